/**
 * Which nodes of a plan share one exported script: those its in-process links join (they
 * hand frames over in memory), of the host asked for. Each process is a tree: its root makes
 * frames (a source) or takes them from a receiving socket; everything below it is reached
 * through in-process links.
 */
import type { Plan, PlanLink, PlanNode, PlanSocket } from '../compile/index.ts';

export interface Process {
  /** The node that drives it: a source, or the owner of the receiving socket its frames come in on. */
  root: PlanNode;
  /** Its nodes, root first, then each node before those it feeds. */
  nodes: PlanNode[];
  /** The plan's sockets of these nodes. */
  sockets: PlanSocket[];
  /** The plan's links from these nodes (in-process ones and those leaving through sockets). */
  links: PlanLink[];
}

/** The processes of `plan` (of the nodes placed on `host` when given), in the plan's node order of their roots. */
export function groupProcesses(plan: Plan, host?: string): Process[] {
  const nodes = plan.nodes.filter((n) => host === undefined || n.host === host);
  const ids = new Set(nodes.map((n) => n.id));
  const inproc = plan.links.filter((l) => l.via === 'inproc' && ids.has(l.from.node) && ids.has(l.to.node));
  const fed = new Set(inproc.map((l) => l.to.node));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const processes: Process[] = [];
  for (const root of nodes.filter((n) => !fed.has(n.id))) {
    const order: PlanNode[] = [];
    const visit = (n: PlanNode) => {
      order.push(n);
      for (const l of inproc) if (l.from.node === n.id) visit(byId.get(l.to.node)!);
    };
    visit(root);
    const member = new Set(order.map((n) => n.id));
    processes.push({
      root,
      nodes: order,
      sockets: plan.sockets.filter((s) => member.has(s.node)),
      links: plan.links.filter((l) => member.has(l.from.node)),
    });
  }
  return processes;
}
