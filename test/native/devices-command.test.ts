import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devicesCommand } from '../../native/devices-command.ts';
import { builtBackends, HOW_TO_BUILD } from '../../native/index.ts';
import { missing } from '../helpers/env.ts';

const noAravis = missing('the aravis camera backend (libaravis-dev, then npm run build:native)', () =>
  builtBackends().includes('aravis'),
);

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
  // Asking for the emulator alone: listing every backend would have Aravis scan every network interface.
  it('prints the built backends and their devices as JSON', async () => {
    const r = await run(['--json', '--backend', 'emulator']);
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

  it.skipIf(noAravis)('asked for aravis, speaks of aravis alone and says when it found no camera', async () => {
    // The in-process Fake interface stays off: only what discovery finds on this machine.
    const fake = process.env.PATCHBAY_ARAVIS_FAKE;
    delete process.env.PATCHBAY_ARAVIS_FAKE;
    try {
      const r = await run(['--backend', 'aravis']);
      expect(r.code).toBe(0);
      expect(r.out).not.toMatch(/pylon/i);
      const lines = r.out.trim().split('\n');
      for (const line of lines) expect(line).toMatch(/^(backend\s|aravis\s|aravis: no camera found)/);
      if (!lines[0].startsWith('backend')) expect(lines).toEqual([expect.stringMatching(/^aravis: no camera found/)]);
    } finally {
      if (fake !== undefined) process.env.PATCHBAY_ARAVIS_FAKE = fake;
    }
  });

  it.skipIf(builtBackends().includes('pylon'))(
    'asked for pylon when it is not built: exit 1, saying how to build it',
    async () => {
      const r = await run(['--json', '--backend', 'pylon']);
      expect(r.code).toBe(1);
      const { error } = JSON.parse(r.out);
      expect(error.code).toBe('UNKNOWN_BACKEND');
      expect(error.message).toContain(`To build pylon: ${HOW_TO_BUILD.pylon}`);
    },
  );

  it('a backend name patchbay does not know exits 2 in text mode too', async () => {
    const r = await run(['--backend', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
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
