/**
 * Aravis' fake GigE Vision camera (arv-fake-gv-camera-0.8) on loopback, in a private network
 * namespace (`unshare -n`, only `lo`) so discovery broadcasts stay local.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listDevices, type DeviceInfo } from '../../native/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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
