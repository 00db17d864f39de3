/**
 * What loadAddon says when the addon was built against a camera SDK whose libraries were not linked
 * (the pylon link flags of issue 15): which SDK, and how to build without it. And the aravis
 * backend, a module the addon loads when it is first asked for.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtBackends } from '../../native/index.ts';
import { sdkOfLoadError } from '../../native/load-addon.ts';
import { commandWorks, missing } from '../helpers/env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const noCompiler = missing('a C++ compiler (c++)', () => commandWorks('c++'));
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A shared object that refers to data in another library without linking it: dlopen fails at once. */
function unlinkedAddon(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-unlinked-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'a.cc'), source);
  const r = spawnSync('c++', ['-shared', '-fPIC', join(dir, 'a.cc'), '-o', join(dir, 'patchbay_camera.node')], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return join(dir, 'patchbay_camera.node');
}

function devicesWith(addon: string) {
  const r = spawnSync(process.execPath, ['bin/patchbay.js', 'devices', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATCHBAY_CAMERA_ADDON: addon },
  });
  expect(r.status).toBe(1);
  return JSON.parse(r.stdout.trim().split('\n').pop()!).error as { code: string; message: string };
}

describe('which SDK a load failure points at', () => {
  it.each([
    ['/x/patchbay_camera.node: undefined symbol: _ZTIN26GenICam_3_1_Basler_pylon16GenericExceptionE', 'pylon'],
    ['/x/patchbay_camera.node: undefined symbol: _ZN5Pylon15PylonInitializeEv', 'pylon'],
    ['libpylonbase.so.9: cannot open shared object file: No such file or directory', 'pylon'],
    ['/x/patchbay_camera.node: undefined symbol: arv_camera_new', 'aravis'],
    ['libaravis-0.8.so.0: cannot open shared object file: No such file or directory', 'aravis'],
    ['/x/patchbay_camera.node: undefined symbol: _ZN8patchbay4initEv', undefined],
    ['The module was compiled against a different Node.js version', undefined],
  ])('%s', (message, sdk) => {
    expect(sdkOfLoadError(message)?.sdk).toBe(sdk);
  });
});

describe.skipIf(noCompiler)('an addon built against pylon without its libraries', () => {
  it('names pylon and PATCHBAY_CAMERA_BACKENDS=emulator,aravis besides rebuilding', () => {
    const addon = unlinkedAddon(
      'namespace GenICam_3_1_Basler_pylon { extern int version; }\nint* used = &GenICam_3_1_Basler_pylon::version;\n',
    );
    const error = devicesWith(addon);
    expect(error.code).toBe('ADDON_NOT_BUILT');
    expect(error.message).toContain('GenICam_3_1_Basler_pylon');
    expect(error.message).toContain('pylon SDK');
    expect(error.message).toContain('PATCHBAY_CAMERA_BACKENDS=emulator,aravis');
    expect(error.message).toContain('npm run build:native');
  });

  it('names the way to leave an SDK out even when it cannot tell which', () => {
    const error = devicesWith(
      unlinkedAddon('namespace elsewhere { extern int value; }\nint* used = &elsewhere::value;\n'),
    );
    expect(error.code).toBe('ADDON_NOT_BUILT');
    expect(error.message).toContain('PATCHBAY_CAMERA_BACKENDS=emulator,aravis');
  });
});

const noAravis = missing('the aravis camera backend (libaravis-dev, then npm run build:native)', () =>
  builtBackends().includes('aravis'),
);

describe.skipIf(noAravis)('the aravis backend, a module of its own', () => {
  it('is loaded when first asked for: a process taking frames from the emulator maps no Aravis, GLib or libxml2', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { listDevices, openCamera } from ${JSON.stringify(new URL('../../native/index.ts', import.meta.url).href)};
      const mapped = () => ['libaravis', 'libglib-2.0', 'libxml2'].filter((l) => readFileSync('/proc/self/maps', 'utf8').includes(l));
      const cam = await openCamera({ backend: 'emulator' });
      await cam.set({ width: 64, height: 64, fps: 0 });
      await cam.start({ mode: 'owned', buffers: 2 });
      if (!(await cam.next())) throw new Error('no frame');
      await cam.stop();
      await cam.close();
      const withEmulator = mapped();
      await listDevices('aravis');
      console.log(JSON.stringify([withEmulator, mapped()]));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([[], ['libaravis', 'libglib-2.0', 'libxml2']]);
  });
});
