/** The editor's link rules: the same verdicts as the runtime's validator, with the reason. */
import { describe, expect, it } from 'vitest';
import { nodeTypes, getNodeType } from '../../nodes/registry.ts';
import { effectiveType, freshId, refuseLink, type RuleGraph, type SimpleLink } from '../../editor/src/canvas/link-rules.ts';
import { validateGraph } from '../../runtime/graph/index.ts';
import type { Graph } from '../../runtime/graph/types.ts';

const L = (text: string): SimpleLink => {
  const [a, b] = text.split(' -> ');
  const [fn, fp] = a.split('.');
  const [tn, tp] = b.split('.');
  return { from: { node: fn, port: fp }, to: { node: tn, port: tp } };
};

function graph(nodes: Record<string, string>, links: string[]): RuleGraph {
  return { nodes: new Map(Object.entries(nodes).map(([id, t]) => [id, getNodeType(t)!])), links: links.map(L) };
}

describe('refuseLink', () => {
  it('refuses a spectrum into an input that takes frames', () => {
    const g = graph({ fft: 'FFT', fft2: 'FFT' }, []);
    expect(refuseLink(g, L('fft.out -> fft2.in'))?.code).toBe('PORT_TYPE_MISMATCH');
  });

  it('sees the type a socket node passes on (FFT → Publish → FFT is still a spectrum)', () => {
    const g = graph({ fft: 'FFT', publish: 'Publish', fft2: 'FFT' }, ['fft.out -> publish.in']);
    expect(effectiveType(g, 'publish', 'out')).toBe('spectrum');
    expect(refuseLink(g, L('publish.out -> fft2.in'))?.code).toBe('PORT_TYPE_MISMATCH');
  });

  it('refuses an upstream link that would send spectra to a consumer of frames further on', () => {
    const g = graph({ fft: 'FFT', publish: 'Publish', fft2: 'FFT' }, ['publish.out -> fft2.in']);
    expect(refuseLink(g, L('fft.out -> publish.in'))?.code).toBe('PORT_TYPE_MISMATCH');
  });

  it('refuses a second producer on a plain input and a second consumer of a plain output', () => {
    const g = graph({ camera: 'Camera', camera2: 'Camera', fft: 'FFT', sink: 'HDF5Sink' }, ['camera.out -> fft.in']);
    expect(refuseLink(g, L('camera2.out -> fft.in'))?.code).toBe('TOO_MANY_PRODUCERS');
    expect(refuseLink(g, L('camera.out -> sink.in'))?.code).toBe('FAN_OUT_WITHOUT_COPY');
  });

  it('accepts fan-out through Publish, Push and Copy, and fan-in through Pull', () => {
    for (const t of ['Publish', 'Push', 'Copy']) {
      const g = graph({ camera: 'Camera', fan: t, a: 'HDF5Sink', b: 'HDF5Sink' }, ['camera.out -> fan.in', 'fan.out -> a.in']);
      expect(refuseLink(g, L('fan.out -> b.in')), t).toBeUndefined();
    }
    const g = graph({ a: 'Camera', b: 'Camera', pull: 'Pull' }, ['a.out -> pull.in']);
    expect(refuseLink(g, L('b.out -> pull.in'))).toBeUndefined();
  });

  it('refuses a cycle', () => {
    const g = graph({ copy: 'Copy', push: 'Push' }, ['copy.out -> push.in']);
    expect(refuseLink(g, L('push.out -> copy.in'))?.code).toBe('CYCLE');
  });

  it('agrees with the runtime validator on every pair of node types linked out → in', () => {
    for (const a of nodeTypes) {
      for (const b of nodeTypes) {
        if (a.outputs.length === 0 || b.inputs.length === 0) continue;
        const g = graph({ x: a.type, y: b.type }, []);
        const refused = refuseLink(g, L(`x.${a.outputs[0].name} -> y.${b.inputs[0].name}`))?.code === 'PORT_TYPE_MISMATCH';
        const doc: Graph = {
          patchbay: 1,
          nodes: { x: { type: a.type, params: {} }, y: { type: b.type, params: {} } },
          links: [L(`x.${a.outputs[0].name} -> y.${b.inputs[0].name}`)],
        };
        const flagged = validateGraph(doc).some((e) => e.code === 'PORT_TYPE_MISMATCH');
        expect(refused, `${a.type} -> ${b.type}`).toBe(flagged);
      }
    }
  });
});

describe('freshId', () => {
  it('gives the type in lower case, then numbered', () => {
    const taken = new Set(['hdf5sink']);
    expect(freshId('Camera', (x) => taken.has(x))).toBe('camera');
    expect(freshId('HDF5Sink', (x) => taken.has(x))).toBe('hdf5sink2');
  });
});
