import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatLink,
  loadGraph,
  parseLink,
  resolveParams,
  serializeGraph,
  type Graph,
} from '../../runtime/graph/index.ts';
import { compileGraph } from '../../runtime/compile/index.ts';

const graphsDir = new URL('../../graphs/', import.meta.url);
const examples = readdirSync(graphsDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const read = (f: string) => readFileSync(new URL(f, graphsDir), 'utf8');
/** A graph with defaults filled in: what a saved-then-loaded graph must equal (saving omits defaults). */
const resolved = (g: Graph | undefined) => ({
  ...g,
  nodes: Object.fromEntries(
    Object.entries(g!.nodes).map(([id, n]) => [id, { ...n, params: resolveParams(n.type, n.params) }]),
  ),
});

describe('example graphs', () => {
  it('there is one per course pattern, and one of placement over two hosts', () => {
    expect(examples).toEqual([
      'copy-shallow-deep.yaml',
      'pubsub-fft-hdf5.yaml',
      'push-pull.yaml',
      'req-rep.yaml',
      'two-hosts.yaml',
    ]);
  });

  it('bind distinct tcp ports in 5555-5599, so any two can run at once', () => {
    const ports = examples.flatMap((f) =>
      Object.values(loadGraph(read(f)).graph!.nodes)
        .filter(
          (n) =>
            typeof n.params.endpoint === 'string' &&
            n.params.endpoint.startsWith('tcp://') &&
            n.params.bind !== false &&
            n.type !== 'Request' &&
            n.type !== 'Subscribe',
        )
        .map((n) => Number(String(n.params.endpoint).split(':').at(-1))),
    );
    expect(ports.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.every((p) => p >= 5555 && p <= 5599)).toBe(true);
  });

  for (const file of examples) {
    it(`${file}: valid, described, and saved back byte for byte`, () => {
      const text = read(file);
      const { graph, errors } = loadGraph(text, file);
      expect(errors).toEqual([]);
      expect(graph!.description).toBeTruthy();
      expect(serializeGraph(graph!, text)).toBe(text);
    });

    it(`${file}: load -> save (fresh) -> load gives the same graph`, () => {
      const { graph } = loadGraph(read(file));
      const saved = serializeGraph(graph!);
      const again = loadGraph(saved);
      expect(again.errors).toEqual([]);
      expect(again.graph).toEqual(graph);
      expect(serializeGraph(again.graph!)).toBe(saved);
    });
  }
});

describe('serializeGraph', () => {
  const commented = `# A pipeline for the lab.
patchbay: 1
name: lab
nodes:
  # the camera on the left bench
  camera:
    type: Camera
    params:
      fps: 10 # slow on purpose
      width: 640
  rec:
    type: HDF5Sink
    params: {file: out/a.h5, compression: gzip}
links:
  - camera.out -> rec.in # the only link
`;

  it('keeps comments and key order when a param changes and a node is added', () => {
    const { graph } = loadGraph(commented);
    graph!.nodes.camera.params.fps = 25;
    graph!.nodes.rec.params.level = 9;
    graph!.nodes.fft = { type: 'FFT', params: { threads: 1 } };
    const out = serializeGraph(graph!, commented);
    for (const comment of [
      '# A pipeline for the lab.',
      '# the camera on the left bench',
      '# slow on purpose',
      '# the only link',
    ]) {
      expect(out).toContain(comment);
    }
    expect(out).toContain('fps: 25 # slow on purpose');
    expect(out).toContain('params: {file: out/a.h5, compression: gzip, level: 9}');
    expect(out.indexOf('camera:')).toBeLessThan(out.indexOf('rec:'));
    expect(out.indexOf('rec:')).toBeLessThan(out.indexOf('fft:'));
    expect(resolved(loadGraph(out).graph)).toEqual(resolved(graph));
  });

  it('omits params equal to their defaults, also when the old text had them', () => {
    const { graph } = loadGraph(commented);
    expect(serializeGraph(graph!, commented)).not.toContain('width: 640');
    expect(serializeGraph(graph!)).not.toContain('width');
    const g: Graph = {
      patchbay: 1,
      nodes: { fft: { type: 'FFT', params: { threads: 2, output: 'magnitude', shift: true } } },
      links: [],
    };
    expect(serializeGraph(g)).toBe(
      'patchbay: 1\nnodes:\n  fft:\n    type: FFT\n    params:\n      shift: true\nlinks: []\n',
    );
  });

  it('an empty optional endpoint is not written: it means inproc://<id>', () => {
    const g: Graph = {
      patchbay: 1,
      nodes: { pub: { type: 'Publish', params: { endpoint: '', topic: 't' } } },
      links: [],
    };
    expect(serializeGraph(g)).toBe(
      'patchbay: 1\nnodes:\n  pub:\n    type: Publish\n    params:\n      topic: t\nlinks: []\n',
    );
  });

  it('writes params in declaration order whatever order they were set in, so files diff well', () => {
    const a: Graph = {
      patchbay: 1,
      nodes: { c: { type: 'Camera', params: { frames: 5, fps: 1, width: 8 } } },
      links: [],
    };
    const b: Graph = {
      patchbay: 1,
      nodes: { c: { type: 'Camera', params: { width: 8, fps: 1, frames: 5 } } },
      links: [],
    };
    expect(serializeGraph(a)).toBe(serializeGraph(b));
    expect(serializeGraph(a)).toMatch(/width: 8\n\s+fps: 1\n\s+frames: 5/);
  });

  it('drops removed nodes, links and layout entries, keeps the links that stay with their comments', () => {
    const { graph } = loadGraph(commented + 'layout:\n  camera: [0, 0]\n  rec: [100, 0]\n');
    delete graph!.nodes.rec;
    delete graph!.layout!.rec;
    graph!.nodes.pub = { type: 'Publish', params: {} };
    graph!.links = [parseLink('camera.out -> pub.in')!];
    const out = serializeGraph(graph!, commented);
    expect(out).not.toContain('rec');
    expect(out).toContain('  - camera.out -> pub.in');
    expect(resolved(loadGraph(out).graph)).toEqual(resolved(graph));
  });

  it('keeps a link written with its own spacing', () => {
    const text =
      'patchbay: 1\nnodes:\n  camera: {type: Camera}\n  rec: {type: HDF5Sink, params: {file: a.h5}}\nlinks:\n  - camera.out->rec.in\n';
    const { graph } = loadGraph(text);
    expect(serializeGraph(graph!, text)).toBe(text);
  });

  it('starts fresh when the previous text does not parse', () => {
    const { graph } = loadGraph(commented);
    expect(serializeGraph(graph!, 'nodes: {')).toBe(serializeGraph(graph!));
  });

  it('writes lists as flow sequences and host and layout', () => {
    const g: Graph = {
      patchbay: 1,
      name: 'x',
      nodes: {
        sub: { type: 'Subscribe', host: 'lab2', params: { endpoint: 'tcp://127.0.0.1:5599', topics: ['a', 'b'] } },
      },
      links: [],
      layout: { sub: [1.5, -2] },
    };
    const out = serializeGraph(g);
    expect(out).toContain('topics: [a, b]');
    expect(out).toContain('host: lab2');
    expect(out).toContain('sub: [1.5, -2]');
    expect(loadGraph(out).graph).toEqual(g);
  });
});

describe('notes', () => {
  const withNotes = `patchbay: 1
nodes:
  camera: {type: Camera}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> rec.in
# For the students.
notes:
  # the first thing to read
  why:
    text: The camera feeds the recorder. # short
    at: [10, 20]
  later:
    text: |-
      Two lines
      of text.
layout:
  camera: [0, 0]
`;

  it('are read in document order, with or without a place, and do not change what validates or runs', () => {
    const { graph, errors } = loadGraph(withNotes);
    expect(errors).toEqual([]);
    expect(graph!.notes).toEqual({
      why: { text: 'The camera feeds the recorder.', at: [10, 20] },
      later: { text: 'Two lines\nof text.' },
    });
    expect(Object.keys(graph!.notes!)).toEqual(['why', 'later']);
    const { notes: _, ...bare } = graph!;
    expect(compileGraph(graph!)).toEqual(compileGraph(bare));
  });

  it('a note moved, edited, added or deleted is saved in place: comments and the other notes stay', () => {
    const { graph } = loadGraph(withNotes);
    graph!.notes!.why.at = [30, 40];
    delete graph!.notes!.later;
    graph!.notes!.added = { text: 'New\nnote', at: [1, 2] };
    const out = serializeGraph(graph!, withNotes);
    expect(out).toContain(
      '# For the students.\nnotes:\n  # the first thing to read\n  why:\n    text: The camera feeds the recorder. # short\n',
    );
    expect(out).toContain('    at: [30, 40]\n  added:\n    text: |-\n      New\n      note\n    at: [1, 2]\nlayout:');
    expect(out).not.toContain('later');
    expect(loadGraph(out).graph!.notes).toEqual(graph!.notes);
    // The last note gone: so is the key; a new file puts notes after links, before layout.
    expect(serializeGraph({ ...graph!, notes: {} }, withNotes)).not.toContain('notes:');
    const fresh = serializeGraph(graph!);
    expect(fresh.indexOf('links:')).toBeLessThan(fresh.indexOf('notes:'));
    expect(fresh.indexOf('notes:')).toBeLessThan(fresh.indexOf('layout:'));
    expect(loadGraph(fresh).graph).toEqual(graph);
  });

  it('a note that cannot be read is a warning, never an error, and is kept as written on save', () => {
    const text = withNotes.replace(
      '  later:',
      '  broken: 3\n  odd:\n    text: x\n    colour: red\n    at: [1]\n  later:',
    );
    const { graph, errors } = loadGraph(text);
    expect(errors.map((e) => [e.code, e.severity, e.line])).toEqual([
      ['BAD_DOCUMENT', 'warning', 13],
      ['UNKNOWN_KEY', 'warning', 16],
      ['BAD_DOCUMENT', 'warning', 17],
    ]);
    expect(graph!.notes!.odd).toEqual({ text: 'x' });
    const out = serializeGraph(graph!, text);
    expect(out).toContain('  broken: 3\n');
    expect(out).toContain('    colour: red\n');
  });
});

describe('groups', () => {
  const withGroups = `patchbay: 1
nodes:
  camera: {type: Camera}
  fft: {type: FFT}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> fft.in
  - fft.out -> rec.in
# What runs where.
groups:
  acquisition:
    title: On the camera PC # for now
    nodes: [camera]
  analysis:
    nodes: [fft, rec]
notes:
  n: {text: hello}
`;

  it('are read with their members in order, the title optional', () => {
    const { graph, errors } = loadGraph(withGroups);
    expect(errors).toEqual([]);
    expect(graph!.groups).toEqual({
      acquisition: { title: 'On the camera PC', nodes: ['camera'] },
      analysis: { nodes: ['fft', 'rec'] },
    });
  });

  it('a group retitled, grown, added or deleted is saved in place, comments kept; a new file writes groups before notes', () => {
    const { graph } = loadGraph(withGroups);
    graph!.groups!.acquisition = { title: 'Camera PC', nodes: ['camera', 'fft'] };
    delete graph!.groups!.analysis;
    graph!.groups!.sink = { title: 'Storage', nodes: ['rec'] };
    const out = serializeGraph(graph!, withGroups);
    expect(out).toContain(
      '# What runs where.\ngroups:\n  acquisition:\n    title: Camera PC # for now\n    nodes: [camera, fft]\n  sink:\n    title: Storage\n    nodes: [rec]\nnotes:',
    );
    expect(loadGraph(out).graph!.groups).toEqual(graph!.groups);
    const fresh = serializeGraph(graph!);
    expect(fresh.indexOf('links:')).toBeLessThan(fresh.indexOf('groups:'));
    expect(fresh.indexOf('groups:')).toBeLessThan(fresh.indexOf('notes:'));
    expect(loadGraph(fresh).graph).toEqual(graph);
    // A file's first group goes above its notes.
    const { groups: _, ...bare } = graph!;
    const first = serializeGraph(graph!, serializeGraph(bare));
    expect(first.indexOf('groups:')).toBeLessThan(first.indexOf('notes:'));
  });

  it('what is wrong with a group is a warning: a member the graph lacks, a title that is not text, an unknown key, no list of nodes', () => {
    const text = withGroups.replace(
      '    nodes: [fft, rec]',
      '    nodes: [fft, ghost]\n    title: [x]\n    colour: red\n  broken: {title: b}',
    );
    const { errors, graph } = loadGraph(text);
    expect(errors.map((e) => [e.code, e.severity, e.line])).toEqual([
      ['UNKNOWN_NODE', 'warning', 15],
      ['BAD_DOCUMENT', 'warning', 16],
      ['UNKNOWN_KEY', 'warning', 17],
      ['BAD_DOCUMENT', 'warning', 18],
    ]);
    expect(graph!.groups!.analysis).toEqual({ nodes: ['fft', 'ghost'] });
    expect(serializeGraph(graph!, text)).toContain('  broken: {title: b}\n');
  });
});

describe('links and params', () => {
  it('parseLink reads the arrow with any spacing; formatLink writes one spelling', () => {
    expect(parseLink('a.out -> b.in')).toEqual({ from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } });
    expect(formatLink(parseLink('  fft-1.out->rec_2.in ')!)).toBe('fft-1.out -> rec_2.in');
    for (const bad of ['a.out => b.in', 'a -> b', 'a.out -> b.in -> c.in', '', 'a.b.c -> d.e'])
      expect(parseLink(bad)).toBeUndefined();
  });

  it('resolveParams applies defaults and keeps what is given', () => {
    const p = resolveParams('FFT', { threads: 4 });
    expect(p).toEqual({ threads: 4, output: 'magnitude', shift: false, precision: 'exact' });
    expect(resolveParams('Subscribe', {}).topics).toEqual(['']);
    expect(resolveParams('NoSuchType', { a: 1 })).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(resolveParams('Copy', JSON.parse('{"__proto__": {"x": 1}}')))).toBe(Object.prototype);
  });
});
