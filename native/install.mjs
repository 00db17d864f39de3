#!/usr/bin/env node
// The root package's install step: builds the camera addon unless the build in
// native/build already matches these sources, this Node.js and the SDKs found.
// `npm exec`/`npx` of this package run the install step too; rebuilding each time
// would delete the addon under running processes for the length of a build.
//   node native/install.mjs [--force]
//   node native/install.mjs --sources     # the files whose change rebuilds it, one per line
//   node native/install.mjs --stamp       # the hash of them that the build is stamped with
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'patchbay_camera.node');
const stampFile = join(here, 'build', 'stamp.txt');

function configure(what) {
  const r = spawnSync(process.execPath, [join(here, 'configure.mjs'), what], { encoding: 'utf8' });
  return r.stdout ?? '';
}

const hash = createHash('sha256');
hash.update(
  `${process.version} ${process.arch} ${process.env.PATCHBAY_CAMERA_BACKENDS ?? ''} ${process.env.PATCHBAY_HDF5 ?? ''}\n`,
);
for (const what of [
  'aravis-cflags',
  'aravis-libs',
  'pylon-cflags',
  'pylon-ldflags',
  'pylon-libs',
  'hdf5-cflags',
  'hdf5-libs',
])
  hash.update(`${what}=${configure(what)}\n`);
/**
 * What the build reads: binding.gyp, configure.mjs, native/src, and the files native/src
 * includes from elsewhere in the repository (`#include "../../nodes/fft/simd/fft2.c"`): a
 * change to any of them must rebuild the addon.
 */
function sources() {
  const src = readdirSync(join(here, 'src'))
    .sort()
    .map((f) => join('src', f));
  const outside = new Set();
  for (const f of src)
    for (const m of readFileSync(join(here, f), 'utf8').matchAll(/^\s*#\s*include\s+"(\.\.\/[^"]+)"/gm))
      outside.add(relative(here, resolve(here, 'src', m[1])));
  return ['binding.gyp', 'configure.mjs', ...src, ...[...outside].sort((a, b) => a.localeCompare(b))];
}

if (process.argv.includes('--sources')) {
  console.log(sources().join('\n'));
  process.exit(0);
}
for (const f of sources()) hash.update(f).update(readFileSync(join(here, f)));
const stamp = hash.digest('hex');
if (process.argv.includes('--stamp')) {
  console.log(stamp);
  process.exit(0);
}

const force = process.argv.includes('--force');
if (!force && existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log('camera addon: up to date (npm run build:native rebuilds it)');
  process.exit(0);
}

// Under npm, its own node-gyp is on PATH (and in npm_config_node_gyp) and its nodedir
// setting comes through the environment. Run by hand, use the headers installed beside
// this Node.js when there are some, rather than letting node-gyp download them.
const prefix = dirname(dirname(process.execPath));
const bundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
const args = ['rebuild', `--directory=${here}`];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h')))
  args.push(`--nodedir=${prefix}`);
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' })
  : spawnSync('node-gyp', args, { stdio: 'inherit', shell: process.platform === 'win32' });
if (r.error || r.status !== 0) {
  console.error(
    'camera addon: the build failed. A C++17 compiler, make and python3 are needed; ' +
      'run it through npm (`npm run build:native`) so node-gyp finds the Node.js headers. See docs/camera.md.',
  );
  process.exit(r.status ?? 1);
}
writeFileSync(stampFile, stamp);
