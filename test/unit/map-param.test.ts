/**
 * Map params (the Camera's `features:`): checked by validate with positions, kept in the order
 * written through save and load, and typed in the inspector as `Name: value, Name: value`.
 */
import { describe, expect, it } from 'vitest';
import { loadGraph, resolveParams, serializeGraph, validateGraph } from '../../runtime/graph/index.ts';
import { formatParam, parseParam } from '../../editor/src/params.ts';
import { camera } from '../../nodes/camera/index.ts';

const graph = (features: string) => `patchbay: 1
nodes:
  rec: {type: HDF5Sink, params: {file: out/a.h5}}
  camera: {type: Camera, params: {frames: 10,
    features: ${features}}}
links: [camera.out -> rec.in]
`;

const errorsOf = (features: string) => {
  // loadGraph validates too, with the positions of the document.
  return loadGraph(graph(features)).errors.map((e) => ({ code: e.code, param: e.param, line: e.line }));
};

describe('a map param', () => {
  it('takes names to numbers, texts and flags, in the order written, through save and load', () => {
    const text = graph('{TriggerMode: Off, ExposureTimeAbs: 3200, ReverseX: true, UserSetLoad: true}');
    const { graph: g, errors } = loadGraph(text);
    expect(errors).toEqual([]);
    expect(validateGraph(g!).filter((e) => e.severity === 'error')).toEqual([]);
    const features = resolveParams('Camera', g!.nodes.camera.params).features;
    expect(Object.entries(features as object)).toEqual([
      ['TriggerMode', 'Off'],
      ['ExposureTimeAbs', 3200],
      ['ReverseX', true],
      ['UserSetLoad', true],
    ]);
    const again = loadGraph(serializeGraph(g!)).graph!;
    expect(Object.entries(again.nodes.camera.params.features as object)).toEqual(Object.entries(features as object));
    // Left at its default ({}), it is not written.
    delete g!.nodes.camera.params.features;
    expect(serializeGraph(g!)).not.toContain('features');
  });

  it('refuses a list, a nested map and a name that is no GenICam name, at the param', () => {
    expect(errorsOf('[ExposureTime]')).toContainEqual({ code: 'BAD_PARAM_TYPE', param: 'features', line: 5 });
    expect(errorsOf('{Gain: {min: 1}}')).toContainEqual({ code: 'BAD_PARAM_TYPE', param: 'features', line: 5 });
    expect(errorsOf('{"3D mode": On}')).toContainEqual({ code: 'PARAM_OUT_OF_RANGE', param: 'features', line: 5 });
  });

  it('is typed in the inspector as Name: value pairs', () => {
    const decl = camera.params.features;
    const value = parseParam(decl, 'ExposureAuto: Off, Gain: 6, ReverseX: true');
    expect(value).toEqual({ ExposureAuto: 'Off', Gain: 6, ReverseX: true });
    expect(formatParam(decl, value)).toBe('ExposureAuto: Off, Gain: 6, ReverseX: true');
    expect(parseParam(decl, '')).toBeUndefined();
    // Not a pair: kept as text, which the param rules refuse as validate would.
    expect(parseParam(decl, 'Gain 6')).toBe('Gain 6');
  });
});
