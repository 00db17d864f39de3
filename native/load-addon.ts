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
const ADDON = process.env.PATCHBAY_CAMERA_ADDON ?? fileURLToPath(new URL('./build/Release/patchbay_camera.node', import.meta.url));

/** The addon could not be loaded; the message lists what to try. */
export class AddonLoadError extends PatchbayError<'ADDON_NOT_BUILT'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ADDON_NOT_BUILT', message, options);
  }
}

let cached: RawAddon | undefined;

/** The raw addon (native/native.ts); throws AddonLoadError with the fixes to try. */
export function loadAddon(): RawAddon {
  if (cached) return cached;
  try {
    cached = require(ADDON) as RawAddon;
    return cached;
  } catch (cause) {
    const why = existsSync(ADDON) ? `it exists but did not load: ${(cause as Error).message}` : 'it has not been built';
    throw new AddonLoadError(
      [
        `The camera addon (${ADDON}) could not be loaded: ${why}.`,
        'Possible solutions:',
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
