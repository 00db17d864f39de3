/** One error base: every code set's error is a PatchbayError with its code, node and cause where it has them. */
import { describe, expect, it } from 'vitest';
import { AddonLoadError } from '../../native/load-addon.ts';
import { CameraError } from '../../native/index.ts';
import { FftError } from '../../nodes/fft/fft2.ts';
import { Hdf5SinkError } from '../../nodes/hdf5-sink/errors.ts';
import { UsageError } from '../../runtime/cli/usage.ts';
import { GraphValidationError } from '../../runtime/compile/compile.ts';
import { ExecError, errorCode } from '../../runtime/exec/errors.ts';
import { ServerError } from '../../runtime/server/graph-files.ts';
import { PatchbayError } from '../../runtime/util/patchbay-error.ts';
import { WireError } from '../../runtime/wire/index.ts';

describe('one error base', () => {
  const cause = new Error('underneath');
  it.each([
    [new ExecError('SOCKET_ERROR', 'PUB cannot bind', 'publish'), 'ExecError', 'SOCKET_ERROR', 'publish'],
    [new WireError('BAD_TIME', 't is not finite'), 'WireError', 'BAD_TIME', undefined],
    [new ServerError('BAD_REQUEST', 'links[0] is null'), 'ServerError', 'BAD_REQUEST', undefined],
    [new UsageError('unknown flag --x'), 'UsageError', 'USAGE', undefined],
    [new GraphValidationError([]), 'GraphValidationError', 'GRAPH_INVALID', undefined],
    [
      new FftError('FFT_UNSUPPORTED_DTYPE', 'dtype', 'a real dtype', 'complex64'),
      'FftError',
      'FFT_UNSUPPORTED_DTYPE',
      undefined,
    ],
    [new Hdf5SinkError({ code: 'NO_SPACE', file: 'a.h5' }), 'Hdf5SinkError', 'NO_SPACE', undefined],
    [new CameraError('CAMERA_ERROR', 'gone', {}, cause), 'CameraError', 'CAMERA_ERROR', undefined],
    [new AddonLoadError('build it', { cause }), 'AddonLoadError', 'ADDON_NOT_BUILT', undefined],
  ] as const)('%#: %s', (e, name, code, node) => {
    expect(e).toBeInstanceOf(PatchbayError);
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.node]).toEqual([name, code, node]);
    expect(errorCode(e)).toBe(code);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('keeps the cause it wraps', () => {
    expect(new CameraError('CAMERA_ERROR', 'gone', {}, cause).cause).toBe(cause);
    expect(new AddonLoadError('build it', { cause }).cause).toBe(cause);
  });
});
