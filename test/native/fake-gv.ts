/**
 * Aravis' fake GigE Vision camera (arv-fake-gv-camera-0.8) on loopback, in a private network
 * namespace (`unshare -n`, only `lo`) so discovery broadcasts stay local.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { builtBackends, listDevices, type DeviceInfo } from '../../native/index.ts';
import { commandWorks, missing } from '../helpers/env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Why a test of the aravis backend skips (undefined when the backend is built; under CI never). */
export function aravisMissing(): string | undefined {
  return missing('the aravis camera backend (libaravis-dev, then npm run build:native)', () =>
    builtBackends().includes('aravis'),
  );
}

/** Why a test with the fake GigE Vision camera skips: the backend, the fake camera, arv-tool, `unshare -n`. */
export function fakeGvMissing(): string | undefined {
  return (
    aravisMissing() ??
    missing(
      'arv-fake-gv-camera-0.8 and arv-tool-0.8 with `unshare -n` (aravis-tools, aravis-tools-cli, root)',
      () =>
        commandWorks('unshare', ['-n', 'true']) &&
        spawnSync('sh', ['-c', 'command -v arv-fake-gv-camera-0.8 && command -v arv-tool-0.8'], { stdio: 'ignore' })
          .status === 0,
    )
  );
}

/**
 * Runs `command` (a shell line, from the repository's root, at most 80 s) in a new network
 * namespace beside the fake camera, whose pid it finds in FAKE_GV_PID; the camera is killed after.
 */
export async function besideFakeGv(command: string): Promise<{ code: number | null; out: string; err: string }> {
  const script = [
    'ip link set lo up',
    'arv-fake-gv-camera-0.8 -i 127.0.0.1 >/dev/null 2>&1 &',
    'cam=$!',
    `FAKE_GV_PID=$cam timeout 80 ${command}`,
    'rc=$?',
    'kill $cam 2>/dev/null',
    'exit $rc',
  ].join('\n');
  const child = spawn('unshare', ['-n', 'sh', '-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out, err };
}

/** Inside the namespace: the fake camera, once it answers discovery (it needs a moment after it starts). */
export async function findGigECamera(): Promise<DeviceInfo> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const found = (await listDevices('aravis')).filter((d) => d.transport === 'GigEVision');
    if (found.length) return found[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the fake GigE Vision camera never answered discovery');
}
