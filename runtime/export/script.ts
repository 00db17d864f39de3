/**
 * One exported process as a Python script: a header saying what it is and how to run it, the
 * prelude, and one `main()`: sockets, each node's setup, "ready", the loop that drives the
 * process (a source's frames, or a receiving socket's), end of stream, close.
 */
import type { PlanNode } from '../compile/index.ts';
import { PRELUDE, PRELUDE_IMPORTS } from './prelude.ts';
import type { Process } from './process.ts';
import { endsAwaited, isEntry, isLinkSender, nameSockets, openSocket, startSocket, type PySocket } from './sockets.ts';
import { indent, py, pyText, type PyNode, type PythonTemplate } from './template.ts';

/** What the exporter needs to know about the graph around one process. */
export interface ScriptContext {
  graph: string;
  file: string;
  /** Each node type's template. */
  templates: ReadonlyMap<string, PythonTemplate>;
  /** The id of every node of the plan made a Python identifier (unique in the plan). */
  names: ReadonlyMap<string, string>;
  /** The other scripts written with this one, for the header. */
  others: readonly string[];
}

/** Generated code that cannot run as the plan says (a process without frames, two inputs). */
export class ScriptShapeError extends Error {}

/** The Python text of one process. */
export function writeScript(p: Process, ctx: ScriptContext): string {
  const name = (id: string) => ctx.names.get(id)!;
  const sockets = nameSockets(p.sockets, name);
  const tpl = (n: PlanNode) => ctx.templates.get(n.type)!;
  const pyNode = (n: PlanNode): PyNode => {
    const own = sockets.find((s) => s.plan.node === n.id && s.plan.route.role === 'own' && !s.plan.route.handshake);
    const hs = sockets.find((s) => s.plan.node === n.id && s.plan.route.handshake);
    const nodeSockets: PyNode['sockets'] = {};
    if (own) nodeSockets.own = own.name;
    if (hs) nodeSockets.handshake = hs.name;
    return {
      id: n.id,
      name: name(n.id),
      params: n.params,
      input: `${name(n.id)}_in`,
      count: `${name(n.id)}_count`,
      sockets: nodeSockets,
      peers: own?.plan.route.consumers?.length ?? 0,
    };
  };
  const nodes = new Map(p.nodes.map((n) => [n.id, pyNode(n)]));
  const senders = sockets.filter((s) => isLinkSender(s.plan));

  /** The lines that hand a frame to node `id` and run it: its input bound, its body, its count. */
  const handle = (id: string, frameExpr?: string): string[] => {
    const n = nodes.get(id)!;
    const plan = p.nodes.find((x) => x.id === id)!;
    const lines = frameExpr === undefined ? [] : [`${n.input} = ${frameExpr}`];
    return [`# ${id} (${plan.type})`, ...lines, ...tpl(plan).body(n, (expr) => emit(id, expr)), `${n.count} += 1`];
  };
  /** Every consumer of a node's output: in process (inlined) or through the socket a link gave it. */
  const emit = (id: string, expr: string): string[] =>
    p.links
      .filter((l) => l.from.node === id)
      .flatMap((l) => {
        if (l.via === 'inproc') return handle(l.to.node, expr);
        const s = senders.find((x) => x.plan.node === id && x.plan.link === l.text);
        return s ? [`send_frame(${s.name}, ${expr})  # ${l.text}`, `${s.name}_sent += 1`] : [];
      });

  const rootTpl = tpl(p.root);
  const entries = sockets.filter((s) => isEntry(s.plan));
  if (entries.some((s) => s.plan.node !== p.root.id))
    throw new ScriptShapeError(
      `node ${entries.find((s) => s.plan.node !== p.root.id)!.plan.node} takes frames from a socket and from ${p.root.id} in process`,
    );
  if (rootTpl.kind !== 'source' && entries.length !== 1)
    throw new ScriptShapeError(`node ${p.root.id} has no input this script can receive`);
  const served = p.nodes.flatMap((n) => {
    const s = tpl(n).serve?.(nodes.get(n.id)!);
    return s ? [s] : [];
  });
  const serveLines = served.flatMap((s) => [`if ${s.socket} in events:`, ...indent(s.lines)]);
  const root = nodes.get(p.root.id)!;
  const limit = rootTpl.framesLimit?.(root) ?? 0;

  const loop: string[] = [];
  if (served.length || entries.length) {
    loop.push('poller = zmq.Poller()');
    for (const s of [...entries.map((e) => e.name), ...served.map((s) => s.socket)])
      loop.push(`poller.register(${s}, zmq.POLLIN)`);
  }
  if (rootTpl.kind === 'source') {
    const period = rootTpl.period?.(root) ?? 0;
    loop.push('due = time.monotonic()', `while not stopping${limit ? ` and ${root.count} < ${limit}` : ''}:`);
    if (served.length)
      loop.push(
        '    while not stopping:  # answer requests until the next frame is due',
        '        events = dict(poller.poll(max(0, int((due - time.monotonic()) * 1000))))',
        ...indent(serveLines, 2),
        '        if time.monotonic() >= due:',
        '            break',
      );
    else if (period > 0) loop.push('    time.sleep(max(0.0, due - time.monotonic()))');
    loop.push(...indent(handle(p.root.id)));
    if (period > 0) loop.push(`    due += ${py(period)}`);
  } else {
    const entry = entries[0];
    const ends = endsAwaited(entry.plan);
    loop.push(
      ...(ends > 1 ? ['ends = 0'] : []),
      'while not stopping:',
      '    events = dict(poller.poll(100))',
      ...indent(serveLines),
      `    if ${entry.name} not in events:`,
      '        continue',
      `    frame = recv_frame(${entry.name}, has_topic=${py(entry.plan.type === 'SUB')})`,
      '    if frame is DROPPED:',
      '        continue',
      ...(ends > 1
        ? [
            '    if frame is None:',
            `        ends += 1  # end of stream from one of ${ends} producers`,
            `        if ends == ${ends}:`,
            '            break',
            '        continue',
          ]
        : ['    if frame is None:  # end of stream', '        break']),
      ...indent(handle(p.root.id, 'frame')),
      ...(limit ? [`    if ${root.count} == ${limit}:`, '        break'] : []),
    );
  }

  const setup = p.nodes.flatMap((n) => tpl(n).setup?.(nodes.get(n.id)!) ?? []);
  const start = [...sockets.flatMap(startSocket), ...p.nodes.flatMap((n) => tpl(n).start?.(nodes.get(n.id)!) ?? [])];
  const end = [
    ...p.nodes.flatMap((n) => tpl(n).end?.(nodes.get(n.id)!) ?? []),
    ...senders.map((s) => `send_eos(${s.name}, ${s.name}_sent)  # ${s.plan.link}`),
  ];
  const imports = [...new Set([...PRELUDE_IMPORTS, ...p.nodes.flatMap((n) => tpl(n).imports ?? [])])].sort();
  const body = [
    'status = 0',
    'context = zmq.Context()',
    ...sockets.flatMap((s) => [...openSocket(s), '']),
    ...p.nodes.map((n) => `${nodes.get(n.id)!.count} = 0`),
    ...senders.map((s) => `${s.name}_sent = 0`),
    ...setup,
    'signal.signal(signal.SIGINT, request_stop)',
    'signal.signal(signal.SIGTERM, request_stop)',
    'print("ready", flush=True)',
    ...start,
    '',
    ...loop,
    '',
    '# end of stream (or Ctrl-C): what is pending goes out, end of stream goes downstream, files close',
    ...end,
    ...p.nodes.map((n) => `print(${py(`${n.id}: `)} + str(${nodes.get(n.id)!.count}) + " frames", file=sys.stderr)`),
    'context.destroy(linger=5000)',
    'return status',
  ];
  return [
    '#!/usr/bin/env python3',
    ...header(p, ctx, sockets),
    ...imports.map((m) => `import ${m}`),
    '',
    'import numpy as np',
    'import zmq',
    '',
    PRELUDE,
    '',
    'def main():',
    ...indent(body),
    '',
    '',
    'if __name__ == "__main__":',
    '    sys.exit(main())',
    '',
  ].join('\n');
}

function header(p: Process, ctx: ScriptContext, sockets: readonly PySocket[]): string[] {
  const needs = ['pyzmq', 'numpy', ...new Set(p.nodes.flatMap((n) => ctx.templates.get(n.type)!.imports ?? []))];
  return [
    `"""${pyText(ctx.graph)}: ${p.nodes.map((n) => `${n.id} (${n.type})`).join(', ')}.`,
    '',
    `Exported by \`patchbay export --python\`: this process of the graph as a course-style pyzmq`,
    'script, with the sockets, endpoints, topics and codecs of the graph, so it joins the other',
    'half of the graph whether that runs in patchbay or as the other exported scripts.',
    '',
    ...(sockets.length
      ? [
          'Sockets:',
          ...sockets.map(
            (s) =>
              `    ${s.plan.node}: ${s.plan.type} ${s.plan.side} ${pyText(s.plan.endpoint)}${s.plan.topics ? ` topics ${pyText(JSON.stringify(s.plan.topics))}` : ''}`,
          ),
          '',
        ]
      : []),
    `Run:  python3 ${ctx.file}`,
    ...(ctx.others.length
      ? [`with the other part${ctx.others.length === 1 ? '' : 's'}: ${ctx.others.join(', ')} (start them in any order)`]
      : []),
    `Needs ${needs.join(', ')}. Prints "ready" once its sockets are open; Ctrl-C stops it, and`,
    'end of stream goes downstream as patchbay sends it (none in pickle mode).',
    '"""',
  ];
}
