/**
 * `patchbay devices [--json] [--backend NAME]`: the cameras every built backend can see.
 */
import type { CliCommand } from '../runtime/cli/io.ts';
import { didYouMean } from '../runtime/graph/suggest.ts';
import {
  ALL_BACKENDS,
  builtBackends,
  CameraError,
  HOW_TO_BUILD,
  listDevices,
  type BackendName,
  type DeviceInfo,
} from './index.ts';

/** Where a backend's discovery looks (Aravis: its interfaces enabled by default, the Fake one only when asked). */
const LOOKED: Partial<Record<BackendName, string>> = {
  aravis: 'Aravis looked for GigE Vision cameras on every network interface and for USB3 Vision cameras',
  pylon:
    'pylon looked with the transport layers installed with it: GigE, USB, and camera emulation when PYLON_CAMEMU is set',
};

const USAGE = 'usage: patchbay devices [--json] [--backend emulator|aravis|pylon]\n';

/** Lists cameras; exit code 0, or 1 when the addon or a backend fails, 2 on bad arguments. */
export const devicesCommand: CliCommand = async (argv, io) => {
  let json = false;
  let backend: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--backend' && i + 1 < argv.length) backend = argv[++i];
    else if (a.startsWith('--backend=')) backend = a.slice('--backend='.length);
    else if (a === '--help' || a === '-h') {
      io.stdout.write(USAGE);
      return 0;
    } else {
      const what = a.startsWith('-')
        ? `option ${a}${didYouMean(a, ['--json', '--backend', '--help'])}`
        : `argument ${JSON.stringify(a)}`;
      io.stderr.write(`patchbay devices: unknown ${what}\n${USAGE}`);
      return 2;
    }
  }
  // A name patchbay does not know is bad usage (2); a known backend this build lacks is a failure (1) that says how to build it.
  if (backend !== undefined && !(ALL_BACKENDS as readonly string[]).includes(backend)) {
    const message = `unknown backend ${backend}${didYouMean(backend, ALL_BACKENDS)}; backends: ${ALL_BACKENDS.join(', ')}`;
    if (json) io.stdout.write(JSON.stringify({ error: { code: 'USAGE', message } }) + '\n');
    io.stderr.write(`patchbay devices: ${message}\n${USAGE}`);
    return 2;
  }
  let devices: DeviceInfo[];
  let built: string[];
  try {
    built = builtBackends();
    devices = await listDevices(backend);
  } catch (e) {
    const code = (e as CameraError).code ?? 'CAMERA_ERROR';
    if (json) io.stdout.write(JSON.stringify({ error: { code, message: (e as Error).message } }) + '\n');
    io.stderr.write(`patchbay devices: ${code}: ${(e as Error).message}\n`);
    return 1;
  }
  if (json) {
    io.stdout.write(JSON.stringify({ backends: built, devices }) + '\n');
    return 0;
  }
  if (devices.length > 0) {
    const rows = [
      ['backend', 'id', 'serial', 'vendor', 'model', 'transport'],
      ...devices.map((d) => [d.backend, d.id, d.serial, d.vendor, d.model, d.transport]),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows)
      io.stdout.write(
        r
          .map((v, c) => v.padEnd(widths[c]))
          .join('  ')
          .trimEnd() + '\n',
      );
  }
  // Every backend asked that found nothing says so, and where it looked; the others are not mentioned.
  const asked = backend === undefined ? built : [backend];
  for (const b of asked.filter((b) => !devices.some((d) => d.backend === b)))
    io.stdout.write(`${b}: no camera found${LOOKED[b as BackendName] ? ` (${LOOKED[b as BackendName]})` : ''}\n`);
  // The backends this build lacks matter when asking all of them, not when asking one that is built.
  const missing = backend === undefined ? ALL_BACKENDS.filter((b) => !built.includes(b)) : [];
  for (const b of missing) io.stdout.write(`(${b} not built: ${HOW_TO_BUILD[b]})\n`);
  return 0;
};
