/** The editor's palette search (editor/src/palette.ts) over the real catalog. */
import { describe, expect, it } from 'vitest';
import { nodeTypes } from '../../nodes/registry.ts';
import { searchPalette } from '../../editor/src/palette.ts';

const found = (q: string) => searchPalette(nodeTypes, q).map((d) => d.type);

describe('palette search', () => {
  it('finds a node type by what a user means, not only by its name', () => {
    expect(found('record')).toContain('HDF5Sink');
    expect(found('zeromq')).toEqual(
      expect.arrayContaining(['Publish', 'Subscribe', 'Push', 'Pull', 'Request', 'Reply']),
    );
    expect(found('zeromq')).not.toContain('FFT');
    expect(found('ventilator')).toContain('Push');
    expect(found('replay')).toContain('HDF5Source');
  });

  it('every word typed must match; an empty query lists everything; case does not matter', () => {
    expect(found('fft SPECTRUM')).toContain('FFT');
    expect(found('fft zeromq')).toEqual([]);
    expect(found('  ')).toEqual(nodeTypes.map((d) => d.type));
  });
});
