/**
 * The raw addon's control calls (start, stop, close, control) fired without awaiting them, hundreds
 * of times, on the emulator (issue 15 item 3): they run one at a time in the order they were called,
 * so the process survives and each call's outcome is the one its place in that order gives.
 * Each scenario runs in a child process (fixtures/control-races.ts): a crash or a deadlock then
 * fails its test within the time limit instead of stopping the test runner.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function scenario(name: string): unknown {
  const r = spawnSync(process.execPath, ['bin/run-ts.js', 'test/native/fixtures/control-races.ts', name], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 50_000,
    killSignal: 'SIGKILL',
  });
  expect({ signal: r.signal, status: r.status, stderr: r.stderr }).toEqual({ signal: null, status: 0, stderr: '' });
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('unawaited control calls', () => {
  it('start, set, stop, set geometry, 200 rounds in owned and pool mode: every call succeeds, the last settings win', () => {
    const last = { failed: [], exposureUs: 299, width: 64 + (199 % 4) * 8, end: null };
    expect(scenario('rounds')).toEqual({ owned: last, pool: last });
  });

  it('a geometry change queued behind a start is refused, one queued behind the stop is not', () => {
    expect(scenario('geometry')).toEqual(['ok', 'BAD_STATE', 'BAD_STATE', 'ok', 'ok', 'ok']);
  });

  it('close: refused while acquiring; once closed every later call is refused, and nothing crashes', () => {
    expect(scenario('close')).toEqual([
      ['ok', 'ok', 'BAD_STATE', 'ok', 'ok', 'BAD_STATE', 'BAD_STATE', 'BAD_STATE', 'ok', 'ok'],
    ]);
  });

  it('three cameras, calls interleaved and frames taken meanwhile: all succeed and every camera ends closed', () => {
    expect(scenario('interleaved')).toEqual({ failed: [], after: ['BAD_STATE', 'BAD_STATE', 'BAD_STATE'] });
  });

  it('process.exit while cameras acquire and calls are queued: the process ends cleanly', () => {
    expect(scenario('exit')).toBe('ok');
  });
});
