import type { Plan } from './plan.ts';

/**
 * The part of a plan one host runs (`plan --host NAME`, `run --host NAME`): its nodes, their
 * sockets, the links with an end on it, its pools and start order. Links that cross to another
 * host stay, so the part shows where its frames come from and go to.
 */
export function hostPart(plan: Plan, host: string): Plan {
  const here = new Set(plan.nodes.filter((n) => n.host === host).map((n) => n.id));
  const part: Plan = {
    ...plan,
    nodes: plan.nodes.filter((n) => here.has(n.id)),
    sockets: plan.sockets.filter((s) => here.has(s.node)),
    links: plan.links.filter((l) => here.has(l.from.node) || here.has(l.to.node)),
    pools: plan.pools.filter((p) => here.has(p.node)),
    startOrder: plan.startOrder.filter((id) => here.has(id)),
    host,
  };
  const away: Record<string, string> = {};
  for (const l of part.links)
    for (const id of [l.from.node, l.to.node]) {
      const n = plan.nodes.find((x) => x.id === id);
      if (!here.has(id) && n?.host) away[id] = n.host;
    }
  if (Object.keys(away).length) part.away = away;
  if (plan.skipped) part.skipped = plan.skipped;
  return part;
}
