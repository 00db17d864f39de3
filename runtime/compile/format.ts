import { getNodeType } from '../../nodes/registry.ts';
import type { Plan, PlanSocket } from './plan.ts';

/** What `patchbay plan` prints: sockets, links, pools and start order, in words a student can follow. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const nodeHost = new Map(plan.nodes.map((n) => [n.id, n.host]));
  lines.push(
    `plan: ${plan.name}${plan.host ? `, host ${plan.host}'s part` : ''} (${plan.nodes.length} nodes, ${plan.links.length} links)`,
  );
  const hosts = [
    ...new Set([
      ...plan.nodes.map((n) => n.host).filter((h): h is string => h !== undefined),
      ...(plan.host ? [] : Object.keys(plan.hosts ?? {})),
    ]),
  ];
  if (hosts.length) {
    lines.push('', `hosts${plan.secure ? ' (links between them use CURVE)' : ''}`);
    for (const h of hosts) {
      const at = plan.hosts?.[h];
      const ids = plan.nodes.filter((n) => n.host === h).map((n) => n.id);
      lines.push(`  ${h}${at ? ` (${at.address})` : ''}: ${ids.length ? ids.join(', ') : 'no nodes'}`);
    }
  }

  lines.push('', 'sockets');
  if (plan.sockets.length === 0) lines.push('  (none: every link is in-process)');
  lines.push(
    ...table(
      plan.sockets.map((s) => [
        `  ${s.node}:`,
        s.type,
        s.side,
        (s.inproc ? (s.side === 'bind' ? `${s.endpoint} + ${s.inproc}` : s.inproc) : s.endpoint) +
          (s.hostName ? ` (${s.hostName})` : ''),
        `hwm ${s.hwm}`,
        [
          s.topics ? `topics ${s.topics.map((t) => JSON.stringify(t)).join(' ')}` : '',
          s.peer ?? '',
          s.waitFor ? waitingFor(s) : '',
          waitsAway(s),
          curve(s),
        ]
          .filter(Boolean)
          .join(' '),
      ]),
    ),
  );

  if (plan.sockets.some((s) => s.inproc))
    lines.push(
      "  (the graph's own sockets meet in process at inproc://in-graph/...; outside programs use the tcp:// and ipc:// endpoints)",
    );

  lines.push('', 'links');
  lines.push(
    ...table(
      plan.links.map((l) => [
        `  ${l.text}`,
        l.via === 'inproc' ? 'in-process' : 'socket',
        l.endpoint,
        (l.lossless ? 'lossless' : 'may drop at the high-water mark') + crossing(l.from.node, l.to.node),
      ]),
    ),
  );

  /** In a host's part: the graph's consumers on other hosts a Push or Publish holds its sources for. */
  function waitsAway(s: PlanSocket): string {
    const away = (s.route.consumers ?? [])
      .filter((c) => plan.away?.[c.node])
      .map((c) => `${c.node} on ${plan.away![c.node]}`);
    return away.length ? `waits for ${away.join(', ')} before the sources start` : '';
  }

  function crossing(from: string, to: string): string {
    if (!plan.host) return '';
    const there = plan.links.length && !nodeHost.has(from) ? from : !nodeHost.has(to) ? to : undefined;
    return there === undefined
      ? ''
      : `, ${there === from ? 'from' : 'to'} ${there} on ${plan.away?.[there] ?? 'another host'}`;
  }

  lines.push('', 'pools');
  if (plan.pools.length === 0) lines.push('  (none)');
  for (const p of plan.pools) {
    const type = plan.nodes.find((n) => n.id === p.node)?.type;
    const what = (type && getNodeType(type)?.pool?.unit) ?? 'thread';
    lines.push(`  ${p.node}: ${p.threads} ${what}${p.threads === 1 ? '' : 's'}`);
  }

  lines.push('', 'start order (consumers first, sources last)');
  lines.push(`  ${plan.startOrder.map((id, i) => `${i + 1}. ${id}`).join('  ')}`);
  if (plan.skipped?.length) lines.push('', `not run (no source feeds them): ${plan.skipped.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** "CURVE server (camera-pc's key)", "CURVE client of camera-pc". */
function curve(s: PlanSocket): string {
  if (!s.secure) return '';
  return 'server' in s.secure ? `CURVE server (${s.secure.host}'s key)` : `CURVE client of ${s.secure.serverHost}`;
}

/** "waits for 3 outside subscribers before the sources start". */
function waitingFor(s: PlanSocket): string {
  const what = s.type === 'PUB' ? 'subscriber' : 'worker';
  return `waits for ${s.waitFor} outside ${what}${s.waitFor === 1 ? '' : 's'} before the sources start`;
}

/** Columns padded to their widest cell; the last column is left ragged. */
function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join(' ')
      .trimEnd(),
  );
}
