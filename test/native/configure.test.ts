/**
 * native/configure.mjs against stand-in pylon SDKs: a temporary PYLON_ROOT whose bin/pylon-config
 * prints flags the way Basler's does, with or without the libraries those flags name.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commandWorks, missing } from '../helpers/env.ts';

const CONFIGURE = fileURLToPath(new URL('../../native/configure.mjs', import.meta.url));
const noCompiler = missing('a C++ compiler (c++)', () => commandWorks('c++'));
const noLibhdf5 = missing('libhdf5 development files (Debian libhdf5-dev)', () =>
  commandWorks('pkg-config', ['--exists', 'hdf5']),
);
const roots: string[] = [];

afterAll(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A PYLON_ROOT with include/, lib/ and a bin/pylon-config; `withLibrary` builds lib/libpylonbase.so. */
function standInSdk(opts: { withLibrary: boolean; libsFails?: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'patchbay-pylon-'));
  roots.push(root);
  for (const d of ['bin', 'include/pylon', 'lib']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(
    join(root, 'include/pylon/PylonIncludes.h'),
    'namespace Pylon { void PylonInitialize(); void PylonTerminate(bool shutDownLogging = true); }\n',
  );
  if (opts.withLibrary) {
    writeFileSync(
      join(root, 'lib/pylonbase.cc'),
      'namespace Pylon { void PylonInitialize() {} void PylonTerminate(bool) {} }\n',
    );
    const r = spawnSync(
      'c++',
      ['-shared', '-fPIC', join(root, 'lib/pylonbase.cc'), '-o', join(root, 'lib/libpylonbase.so')],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
  }
  // Basler's pylon-config: --libs-rpath only sets where libraries are found at run time, --libs names them.
  writeFileSync(
    join(root, 'bin/pylon-config'),
    [
      '#!/bin/sh',
      `root='${root}'`,
      'case "$1" in',
      '  --cflags) echo "-I$root/include -DUSE_GIGE" ;;',
      '  --libs-rpath) echo "-Wl,--enable-new-dtags -Wl,-rpath,$root/lib" ;;',
      opts.libsFails
        ? '  --libs) echo "pylon-config: unknown option" >&2; exit 1 ;;'
        : '  --libs) echo "-L$root/lib -Wl,-E -lpylonbase" ;;',
      '  *) exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(join(root, 'bin/pylon-config'), 0o755);
  return root;
}

function configure(what: string, root: string, backends?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, PYLON_ROOT: root };
  if (backends === undefined) delete env.PATCHBAY_CAMERA_BACKENDS;
  else env.PATCHBAY_CAMERA_BACKENDS = backends;
  const r = spawnSync(process.execPath, [CONFIGURE, what], { encoding: 'utf8', env });
  expect(r.status).toBe(0);
  return { out: r.stdout, err: r.stderr };
}

describe.skipIf(noCompiler)('configure.mjs with a stand-in pylon-config', () => {
  it('links as Basler samples do: --libs-rpath as linker flags and --libs as the libraries', () => {
    const root = standInSdk({ withLibrary: true });
    expect(configure('pylon-cflags', root).out).toBe(`-I${root}/include -DUSE_GIGE`);
    expect(configure('pylon-ldflags', root).out).toBe(`-Wl,--enable-new-dtags -Wl,-rpath,${root}/lib`);
    expect(configure('pylon-libs', root).out).toBe(`-L${root}/lib -Wl,-E -lpylonbase`);
  });

  it('builds pylon in when a program calling PylonInitialize compiles and links', () => {
    const r = configure('pylon', standInSdk({ withLibrary: true }));
    expect(r).toEqual({ out: '1', err: '' });
  });

  it('leaves pylon out, saying why, when the libraries its flags name do not exist', () => {
    const r = configure('pylon', standInSdk({ withLibrary: false }));
    expect(r.out).toBe('0');
    expect(r.err).toContain('building without pylon');
    expect(r.err).toContain('PATCHBAY_CAMERA_BACKENDS=emulator,aravis');
  });

  it('leaves pylon out, saying why, when pylon-config --libs fails', () => {
    const r = configure('pylon', standInSdk({ withLibrary: true, libsFails: true }));
    expect(r.out).toBe('0');
    expect(r.err).toContain('--libs');
  });

  it('leaves pylon out without a word when PATCHBAY_CAMERA_BACKENDS does not list it', () => {
    expect(configure('pylon', standInSdk({ withLibrary: true }), 'emulator,aravis')).toEqual({ out: '0', err: '' });
  });

  it('says why when PYLON_ROOT names a folder without pylon-config', () => {
    const r = configure('pylon', join(tmpdir(), 'patchbay-no-such-pylon'));
    expect(r.out).toBe('0');
    expect(r.err).toContain('pylon-config');
  });
});

describe.skipIf(noLibhdf5)('configure.mjs and libhdf5', () => {
  const hdf5 = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, [CONFIGURE, 'hdf5'], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { out: r.stdout, err: r.stderr };
  };

  it('builds the libhdf5 addon where a program calling H5Dwrite_chunk compiles and links', () => {
    expect(hdf5({})).toEqual({ out: '1', err: '' });
  });

  it('leaves it out without a word with PATCHBAY_HDF5=h5wasm', () => {
    expect(hdf5({ PATCHBAY_HDF5: 'h5wasm' })).toEqual({ out: '0', err: '' });
  });

  it('says why when libhdf5 is too old or broken (its flags name no library)', () => {
    // A pkg-config that finds an hdf5.pc whose library is not there.
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-hdf5-pc-'));
    roots.push(dir);
    writeFileSync(
      join(dir, 'hdf5.pc'),
      'Name: hdf5\nDescription: stand-in\nVersion: 1.10.8\nLibs: -lno_such_hdf5\nCflags:\n',
    );
    const r = hdf5({ PKG_CONFIG_LIBDIR: dir });
    expect(r.out).toBe('0');
    expect(r.err).toContain('hdf5 addon: not built, HDF5Sink writes with h5wasm');
  });
});
