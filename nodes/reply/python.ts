/**
 * Reply in an exported script: the server. Each request on its REP gets the latest frame not
 * sent before (a request waits for a newer one); after the input has ended, end of stream. In
 * pickle mode (the course's camera server) a frame is pickled, `stop` gets "Stopping server",
 * and after the end the last frame is sent again, as nodes/reply/stage.ts does.
 */
import type { PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { reply } from './index.ts';

const pickled = (n: { params: object }) => (n.params as ParamsOf<typeof reply>).codec === 'pickle';

const template: PythonTemplate = {
  kind: 'sink',
  setup: (n) => [
    `${n.name}_latest = None  # the latest frame in`,
    `${n.name}_sent = None  # the frame last sent`,
    `${n.name}_waiting = False  # a request waits for a frame newer than the last one sent`,
  ],
  serve(n) {
    const s = n.sockets.own!;
    const lines = [`${n.name}_request = ${s}.recv()`];
    if (pickled(n))
      lines.push(
        `if ${n.name}_request == b"stop":`,
        `    ${s}.send_string("Stopping server")`,
        `elif ${n.name}_latest is not ${n.name}_sent:`,
      );
    else lines.push(`if ${n.name}_latest is not ${n.name}_sent:`);
    lines.push(...sendLatest(n, '    '), 'else:', `    ${n.name}_waiting = True`);
    return { socket: s, lines };
  },
  body: (n) => [
    `${n.name}_latest = ${n.input}`,
    `if ${n.name}_waiting:`,
    ...sendLatest(n, '    '),
    `    ${n.name}_waiting = False`,
  ],
  end(n) {
    const s = n.sockets.own!;
    const last = pickled(n)
      ? [
          `if ${n.name}_latest is not None:`,
          `    ${s}.send_pyobj(${n.name}_latest.data)`,
          'else:',
          `    ${s}.send_string("Stopping server")`,
        ]
      : [`send_eos(${s}, ${n.count})`];
    return [
      `# ${n.id}: the input has ended: requests get ${pickled(n) ? 'the last frame again' : 'end of stream'}, until none comes for a second`,
      `if ${n.name}_waiting:`,
      ...last.map((l) => '    ' + l),
      `while not stopping and ${s}.poll(1000):`,
      `    ${s}.recv()`,
      ...last.map((l) => '    ' + l),
    ];
  },
};

function sendLatest(n: { name: string; params: object; sockets: { own?: string } }, pad: string): string[] {
  const s = n.sockets.own!;
  return [
    pickled(n) ? `${pad}${s}.send_pyobj(${n.name}_latest.data)` : `${pad}send_frame(${s}, ${n.name}_latest)`,
    `${pad}${n.name}_sent = ${n.name}_latest`,
  ];
}

export default template;
