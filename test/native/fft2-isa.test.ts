/**
 * The native transform's two builds, AVX-512 and AVX2 (native/src/fft2.cc picks the first the
 * CPU has; PATCHBAY_FFT_ISA=avx2 asks for the second): the same spectra, bit for bit, since
 * both do the same operations in the same order on each complex number. On a CPU without
 * AVX-512 both processes run AVX2 and the test says so in its name.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { cpuHasAvx2Fma, cpuHasAvx512 } from '../helpers/env.ts';
import { nativeIsa } from '../../nodes/fft/native-fft2.ts';
import { isaSpectra } from '../fixtures/fft/native-isa.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const hasAvx512 = cpuHasAvx512();

describe.skipIf(!cpuHasAvx2Fma())("the native transform's builds", () => {
  test(`run AVX-512 where the CPU has it (${hasAvx512 ? 'it has' : 'it has not'}), AVX2 when asked`, () => {
    expect(nativeIsa()).toBe(hasAvx512 ? 'avx512' : 'avx2');
  });

  test(`${hasAvx512 ? 'AVX-512 and AVX2' : 'AVX2 (no AVX-512 here) and AVX2'} give the same spectra, bit for bit`, () => {
    const r = spawnSync(process.execPath, ['bin/run-ts.js', 'test/fixtures/fft/native-isa.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATCHBAY_FFT_ISA: 'avx2' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const child = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
      isa: string;
      spectra: Record<string, string>;
    };
    expect(child.isa).toBe('avx2');
    const here = isaSpectra();
    expect(Object.keys(child.spectra)).toEqual(Object.keys(here));
    for (const key of Object.keys(here)) expect(child.spectra[key], key).toBe(here[key]);
  });
});
