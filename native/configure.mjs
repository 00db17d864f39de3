#!/usr/bin/env node
// Called by binding.gyp: which camera SDKs this machine can build against, and their flags.
//   node configure.mjs aravis|pylon            -> "1" or "0"
//   node configure.mjs aravis-cflags|aravis-libs|pylon-cflags|pylon-libs -> flags
// PATCHBAY_CAMERA_BACKENDS=emulator,aravis limits what is built (the emulator always is).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wanted = process.env.PATCHBAY_CAMERA_BACKENDS?.split(',').map((s) => s.trim());
const allowed = (name) => !wanted || wanted.includes(name);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function aravisFlags() {
  if (!allowed('aravis')) return undefined;
  const cflags = run('pkg-config', ['--cflags', 'aravis-0.8']);
  const libs = run('pkg-config', ['--libs', 'aravis-0.8']);
  if (cflags === undefined || libs === undefined) return undefined;
  // pkg-config can succeed with headers missing (libusb-1.0-0-dev): a trial compile tells.
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-aravis-'));
  try {
    writeFileSync(join(dir, 't.c'), '#include <arv.h>\nint main(void) { return (int)arv_get_n_interfaces() < 0; }\n');
    const ok = spawnSync('cc', [join(dir, 't.c'), '-o', join(dir, 't'), ...cflags.split(/\s+/), ...libs.split(/\s+/)], { stdio: 'ignore' });
    return ok.status === 0 ? { cflags, libs } : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pylonFlags() {
  if (!allowed('pylon')) return undefined;
  const roots = [process.env.PYLON_ROOT, '/opt/pylon'].filter(Boolean);
  for (const root of roots) {
    const config = join(root, 'bin', 'pylon-config');
    if (!existsSync(config)) continue;
    const cflags = run(config, ['--cflags']);
    const libs = run(config, ['--libs-rpath']) ?? run(config, ['--libs']);
    if (cflags !== undefined && libs !== undefined) return { cflags, libs };
  }
  return undefined;
}

const what = process.argv[2] ?? '';
const [sdk, part] = what.split('-');
const flags = sdk === 'aravis' ? aravisFlags() : sdk === 'pylon' ? pylonFlags() : undefined;
if (part === undefined) process.stdout.write(flags ? '1' : '0');
else process.stdout.write(flags?.[part] ?? '');
