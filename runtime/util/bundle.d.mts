/** Types of bundle.mjs (plain JavaScript, so that bin/patchbay.js can load it before any TypeScript). */

/**
 * The bundle of the entry `entry` (a .ts file), checked against its sources (made again if
 * one changed) each time it is asked for; undefined when it cannot be made (no esbuild, a
 * read-only install): load `entry` through tsx.
 */
export function bundleOf(entry: URL): Promise<string | undefined>;
