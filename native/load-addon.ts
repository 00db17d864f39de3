/**
 * Loads the compiled addon once, and when that fails says what to do about it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { RawAddon } from './native.ts';
import { PatchbayError } from '../runtime/util/patchbay-error.ts';

const require = createRequire(import.meta.url);
/** PATCHBAY_CAMERA_ADDON points at another build of the addon (a debug build, a test of this error). */
const ADDON =
  process.env.PATCHBAY_CAMERA_ADDON ?? fileURLToPath(new URL('./build/Release/patchbay_camera.node', import.meta.url));

/** The addon could not be loaded; the message lists what to try. */
export class AddonLoadError extends PatchbayError<'ADDON_NOT_BUILT'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ADDON_NOT_BUILT', message, options);
  }
}

let cached: RawAddon | undefined;

/**
 * Which camera SDK a load failure points at, from the loader's message: a library it could not
 * find, or a symbol left undefined because the SDK's libraries were not linked.
 */
export function sdkOfLoadError(message: string): { sdk: 'pylon' | 'aravis'; what: string } | undefined {
  const symbol = /undefined symbol: (\S+)/.exec(message)?.[1];
  const library = /(\S+\.so[.\d]*): cannot open shared object file/.exec(message)?.[1];
  const what = symbol ? `the symbol ${symbol} is undefined` : library ? `${library} was not found` : undefined;
  if (!what) return undefined;
  const name = symbol ?? library!;
  // GenICam's namespaces are versioned (GenICam_3_1_Basler_pylon), mangled as ...7GenICam...; pylon's as ...5Pylon...
  if (/GenICam|GenApi|GCBase|Pylon|pylon/.test(name)) return { sdk: 'pylon', what };
  if (/^(arv_|g_)|aravis|libg(object|lib|io)-/.test(name)) return { sdk: 'aravis', what };
  return undefined;
}

/** The raw addon (native/native.ts); throws AddonLoadError with the fixes to try. */
export function loadAddon(): RawAddon {
  if (cached) return cached;
  try {
    cached = require(ADDON) as RawAddon;
    return cached;
  } catch (cause) {
    const built = existsSync(ADDON);
    const why = built ? `it exists but did not load: ${(cause as Error).message}` : 'it has not been built';
    const sdk = built ? sdkOfLoadError((cause as Error).message) : undefined;
    const others = (name: string) => ['emulator', 'aravis', 'pylon'].filter((b) => b !== name).join(',');
    throw new AddonLoadError(
      [
        `The camera addon (${ADDON}) could not be loaded: ${why}.`,
        ...(sdk
          ? [
              `It was built against the ${sdk.sdk === 'pylon' ? 'Basler pylon' : 'Aravis'} SDK (${sdk.what}): that SDK's libraries were not linked, or are not found at run time.`,
            ]
          : []),
        'Possible solutions:',
        ...(built
          ? [
              sdk
                ? `- Build it without ${sdk.sdk}: \`PATCHBAY_CAMERA_BACKENDS=${others(sdk.sdk)} npm run build:native\`; or repair the ${sdk.sdk} SDK and rebuild.`
                : '- If a camera SDK is broken, build without it: `PATCHBAY_CAMERA_BACKENDS=emulator,aravis npm run build:native` leaves pylon out (`emulator,pylon` leaves Aravis out).',
            ]
          : []),
        '- Build it: `npm run build:native` (a C++ compiler, make and python3 are needed; `npm install` builds it too).',
        '- After upgrading Node.js, rebuild it: `npm run build:native`.',
        '- If npm was run with --ignore-scripts, the build step was skipped: run `npm run build:native`.',
        '- Building outside npm? node-gyp needs the headers of this Node.js: pass --nodedir (see `npm config get nodedir`).',
        'See docs/camera.md.',
      ].join('\n'),
      { cause },
    );
  }
}

/** The raw addon, or undefined where it cannot be loaded: for callers that work without it (they fall back). */
export function addonIfBuilt(): RawAddon | undefined {
  try {
    return loadAddon();
  } catch (e) {
    if (!(e instanceof AddonLoadError)) throw e;
    return undefined;
  }
}
