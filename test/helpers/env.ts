import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * The Python the tests run their peers with: PATCHBAY_PYTHON when set (a virtualenv with pyzmq,
 * numpy and h5py), else Debian's /usr/bin/python3 (python3-zmq, python3-numpy, python3-h5py),
 * else python3 on PATH.
 */
export const PYTHON = process.env.PATCHBAY_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Why a part this machine lacks makes a test skip, or undefined when it is there.
 * Under CI a missing part is a failure, never a skip: the caller's test then runs and fails.
 */
export function missing(what: string, probe: () => boolean): string | undefined {
  if (probe()) return undefined;
  const reason = `${what} is not installed${/python/i.test(what) ? ` (for ${PYTHON}; set PATCHBAY_PYTHON to another interpreter)` : ''}`;
  if (IN_CI) return undefined;
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}

/** True when Debian's Python imports every module named. */
export function pythonHas(...modules: string[]): boolean {
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** True when a command runs (exit 0) with the given args. */
export function commandWorks(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Whether this CPU has every one of `flags` (x86-64 Linux: /proc/cpuinfo's flags; elsewhere none). */
function cpuHas(...flags: string[]): boolean {
  if (process.arch !== 'x64' || process.platform !== 'linux') return false;
  const have =
    readFileSync('/proc/cpuinfo', 'utf8')
      .match(/^flags\s*:(.*)$/m)?.[1]
      .split(/\s+/) ?? [];
  return flags.every((f) => have.includes(f));
}

/** Whether this CPU has what the FFT node's native transform needs. */
export function cpuHasAvx2Fma(): boolean {
  return cpuHas('avx2', 'fma');
}

/** Whether this CPU runs the native transform's AVX-512 build (native/src/fft2.cc). */
export function cpuHasAvx512(): boolean {
  return cpuHas('avx2', 'fma', 'avx512f', 'avx512dq');
}
