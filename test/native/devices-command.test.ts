import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devicesCommand } from '../../native/devices-command.ts';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(argv: string[]) {
  const out = capture();
  const err = capture();
  const code = await devicesCommand(argv, { stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}

describe('patchbay devices', () => {
  it('prints the built backends and their devices as JSON', async () => {
    const r = await run(['--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.backends[0]).toBe('emulator');
    expect(doc.devices).toContainEqual(expect.objectContaining({ backend: 'emulator', id: 'emulator-0' }));
  });

  it('prints a table, one row per device', async () => {
    const r = await run(['--backend', 'emulator']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['backend', 'id', 'serial', 'vendor', 'model', 'transport']);
    expect(lines[1]).toMatch(/^emulator\s+emulator-0\s/);
  });

  it('a backend patchbay does not know is bad usage, exit 2', async () => {
    const r = await run(['--json', '--backend', 'nope']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('USAGE');
  });

  it('refuses unknown arguments with exit code 2', async () => {
    expect((await run(['--frobnicate'])).code).toBe(2);
  });
});

describe('patchbay devices without the addon', () => {
  it('fails with ADDON_NOT_BUILT and says how to build it', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const r = spawnSync(process.execPath, ['bin/patchbay.js', 'devices', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATCHBAY_CAMERA_ADDON: '/nonexistent/patchbay_camera.node' },
    });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(doc.error.code).toBe('ADDON_NOT_BUILT');
    expect(doc.error.message).toContain('npm run build:native');
  });
});
