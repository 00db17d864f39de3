#!/usr/bin/env node
// Called by binding.gyp: which camera SDKs (and libhdf5) this machine can build against, and their flags.
//   node configure.mjs aravis|pylon|hdf5       -> "1" or "0" (with "0", why on stderr)
//   node configure.mjs aravis-cflags|aravis-libs|pylon-cflags|pylon-ldflags|pylon-libs|hdf5-cflags|hdf5-libs -> flags
// PATCHBAY_CAMERA_BACKENDS=emulator,aravis limits what is built (the emulator always is).
// An SDK is built in only when a trial program compiles and links against it: a broken SDK
// leaves its backend out of the addon instead of failing `npm install` or making an addon
// that cannot load (which would take the emulator down with it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wanted = process.env.PATCHBAY_CAMERA_BACKENDS?.split(',').map((s) => s.trim());
const allowed = (name) => !wanted || wanted.includes(name);
const words = (flags) => flags.split(/\s+/).filter(Boolean);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Compiles and links `source` with the flags; undefined when it worked, else the compiler's last lines. */
function trialBuild(name, compiler, file, source, flags) {
  const dir = mkdtempSync(join(tmpdir(), `patchbay-${name}-`));
  try {
    writeFileSync(join(dir, file), source);
    const r = spawnSync(compiler, [join(dir, file), '-o', join(dir, 't'), ...flags], { encoding: 'utf8' });
    if (r.error) return `${compiler} did not run: ${r.error.message}`;
    if (r.status === 0) return undefined;
    const lines = `${r.stderr}`.trim().split('\n');
    return lines.slice(-6).join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function aravisFlags(check) {
  if (!allowed('aravis')) return { why: 'not in PATCHBAY_CAMERA_BACKENDS' };
  const cflags = run('pkg-config', ['--cflags', 'aravis-0.8']);
  const libs = run('pkg-config', ['--libs', 'aravis-0.8']);
  if (cflags === undefined || libs === undefined)
    return {
      flags: { cflags, libs },
      why: '`pkg-config aravis-0.8` failed (no Aravis 0.8 development files)',
      quiet: true,
    };
  if (!check) return { flags: { cflags, libs } };
  // pkg-config can succeed with headers missing (libusb-1.0-0-dev): a trial compile tells.
  const failed = trialBuild(
    'aravis',
    'cc',
    't.c',
    '#include <arv.h>\nint main(void) { return (int)arv_get_n_interfaces() < 0; }\n',
    [...words(cflags), ...words(libs)],
  );
  return failed
    ? { flags: { cflags, libs }, why: `a trial program did not compile and link against Aravis:\n${failed}` }
    : { flags: { cflags, libs }, ok: true };
}

// Basler's own sample Makefiles: CPPFLAGS from --cflags, LDFLAGS from --libs-rpath, LDLIBS from
// --libs. --libs-rpath only sets the run-time search path; --libs names the libraries.
function pylonFlags(check) {
  if (!allowed('pylon')) return { why: 'not in PATCHBAY_CAMERA_BACKENDS' };
  const roots = [process.env.PYLON_ROOT, '/opt/pylon'].filter(Boolean);
  const config = roots.map((root) => join(root, 'bin', 'pylon-config')).find((c) => existsSync(c));
  // Silent unless asked for: most machines have no pylon, and `patchbay devices` says how to add it.
  if (!config)
    return { why: `no pylon SDK: no bin/pylon-config under ${roots.join(' or ')}`, quiet: !process.env.PYLON_ROOT };
  const cflags = run(config, ['--cflags']);
  const ldflags = run(config, ['--libs-rpath']);
  const libs = run(config, ['--libs']);
  const flags = { cflags, ldflags, libs };
  const broken = Object.entries({ '--cflags': cflags, '--libs-rpath': ldflags, '--libs': libs }).find(
    ([, v]) => v === undefined,
  );
  if (broken) return { flags, why: `\`${config} ${broken[0]}\` failed` };
  if (!check) return { flags };
  const failed = trialBuild(
    'pylon',
    'c++',
    't.cc',
    '#include <pylon/PylonIncludes.h>\nint main() { Pylon::PylonInitialize(); Pylon::PylonTerminate(); return 0; }\n',
    ['-std=c++17', ...words(cflags), ...words(ldflags), ...words(libs)],
  );
  return failed
    ? {
        flags,
        why: `a trial program calling PylonInitialize did not compile and link with the flags of ${config}:\n${failed}`,
      }
    : { flags, ok: true };
}

// libhdf5 for the recorder's own addon (native/src/hdf5-file.cc); without it HDF5Sink writes
// with h5wasm. 1.10.7 or later: H5Dwrite_chunk and H5Pset_file_locking. PATCHBAY_HDF5=h5wasm
// leaves it out.
function hdf5Flags(check) {
  if (process.env.PATCHBAY_HDF5 === 'h5wasm') return { why: 'PATCHBAY_HDF5=h5wasm', quiet: true };
  const cflags = run('pkg-config', ['--cflags', 'hdf5']);
  const libs = run('pkg-config', ['--libs', 'hdf5']);
  if (cflags === undefined || libs === undefined)
    return { flags: { cflags, libs }, why: '`pkg-config hdf5` failed (no libhdf5 development files)', quiet: true };
  if (!check) return { flags: { cflags, libs } };
  const failed = trialBuild(
    'hdf5',
    'cc',
    't.c',
    '#include <hdf5.h>\nint main(void) { hid_t p = H5Pcreate(H5P_FILE_ACCESS); H5Pset_file_locking(p, 0, 1);\n' +
      '  return (int)(H5Dwrite_chunk(-1, H5P_DEFAULT, 0, 0, 0, 0) > 0); }\n',
    [...words(cflags), ...words(libs)],
  );
  return failed
    ? {
        flags: { cflags, libs },
        why: `a trial program did not compile and link against libhdf5 1.10.7 or later:\n${failed}`,
      }
    : { flags: { cflags, libs }, ok: true };
}

const what = process.argv[2] ?? '';
const [sdk, part] = what.split('-');
// Only the verdict runs the trial build; the flags are asked for after it (and hashed by install.mjs).
const check = part === undefined;
const found =
  sdk === 'aravis'
    ? aravisFlags(check)
    : sdk === 'pylon'
      ? pylonFlags(check)
      : sdk === 'hdf5'
        ? hdf5Flags(check)
        : undefined;
if (part === undefined) {
  if (found && !found.ok && !found.quiet && sdk === 'hdf5')
    process.stderr.write(`hdf5 addon: not built, HDF5Sink writes with h5wasm: ${found.why}\n`);
  else if (found && !found.ok && !found.quiet && found.why !== 'not in PATCHBAY_CAMERA_BACKENDS')
    process.stderr.write(
      `camera addon: building without ${sdk}: ${found.why}\n` +
        `camera addon: fix the ${sdk} SDK and run \`npm run build:native\`, or leave it out on purpose with PATCHBAY_CAMERA_BACKENDS=${['emulator', 'aravis', 'pylon'].filter((b) => b !== sdk).join(',')}\n`,
    );
  process.stdout.write(found?.ok ? '1' : '0');
} else process.stdout.write(found?.flags?.[part] ?? '');
