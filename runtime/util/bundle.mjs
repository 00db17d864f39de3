/**
 * The CLI and its worker threads run a plain JavaScript bundle of their TypeScript entry, made
 * by esbuild (the transformer tsx itself uses) the first time a process needs it and kept on
 * disk until one of its source files changes. A thread that loads TypeScript through tsx
 * instead starts a module-loader thread and an esbuild of its own: about 20 MB more per worker,
 * and seconds to transform a large module; the CLI's own thread saves about 12 MB and a
 * quarter of a second per command (docs/performance-runtime.md#worker-threads).
 *
 * Plain JavaScript (types in bundle.d.mts), so that bin/patchbay.js can use it before any
 * TypeScript is loaded.
 *
 * Each module keeps its own `import.meta.url` (its source file's), so the files it finds next
 * to itself (the FFT's WebAssembly, the camera addon, harness.py) are found as before. Packages
 * stay outside the bundle and resolve from node_modules, where the bundles live, but those in
 * BUNDLED_PACKAGES.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'patchbay', 'workers');

/**
 * esbuild's version, read from its package.json: esbuild itself is imported only when a bundle
 * has to be made. Imported at start, it added about 10 MB to the peak RSS of every run (3 MB
 * to a `validate`), bundles fresh or not (docs/performance-runtime.md#worker-threads).
 * Undefined without esbuild.
 */
const esbuildVersion = (() => {
  try {
    return JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
})();

/** Bundles made another way (this file's options, another esbuild) are made again. */
const MAKER = `esbuild ${esbuildVersion}, own import.meta.url, v3`;

/**
 * Packages put in the bundle: plain JavaScript of many modules. Node loads each module of a
 * package apart, at a cost in memory per module: yaml's 73 cost a process about 10 MB of RSS
 * loaded from node_modules, 3 MB bundled. The others stay outside: they find files beside
 * themselves (zeromq's and the camera's addons, Piscina's worker, h5wasm's WebAssembly).
 */
const BUNDLED_PACKAGES = new Set(['yaml']);

/**
 * Every package but BUNDLED_PACKAGES (and Node's own modules) is loaded from where it is.
 * @type {import('esbuild').Plugin}
 */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return BUNDLED_PACKAGES.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * A bundled package in CommonJS requires Node's modules (yaml: `require('process')`), which an
 * ES module bundle answers through a `require` of its own.
 */
const REQUIRE_BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module';\n" +
  // Spelled apart, so that ownMetaUrl leaves it to mean the bundle's own URL.
  `const require = __bundleCreateRequire(${['import', 'meta', 'url'].join('.')});`;

/**
 * What a bundle was made from: each input's size and modification time, and by what.
 * @typedef {{ maker: string, inputs: Record<string, { size: number, mtimeMs: number }> }} Stamp
 */

/**
 * Each module of the bundle keeps its own import.meta.url: the project's TypeScript, and its
 * plain JavaScript modules (this one: bundled, it found ROOT two levels above the bundle, and
 * the bundles a bundled process made went to a cache of their own inside the cache).
 * @type {import('esbuild').Plugin}
 */
const ownMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      if (args.path.split(path.sep).includes('node_modules')) return undefined;
      const source = await readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return {
        contents: source.replace(/\bimport\.meta\.url\b/g, url),
        loader: args.path.endsWith('.ts') ? 'ts' : 'js',
      };
    });
  },
};

/** @type {Map<string, Promise<string | undefined>>} */
const building = new Map();

/**
 * The bundle of the entry `entry` (a .ts file), checked against its sources (made again if
 * one changed) each time it is asked for; undefined when it cannot be made (no esbuild, a
 * read-only install): load `entry` through tsx.
 * @param {URL} entry
 * @returns {Promise<string | undefined>}
 */
export function bundleOf(entry) {
  const file = fileURLToPath(entry);
  let p = building.get(file);
  if (!p) {
    // Asked for again while it is being made: the same answer.
    p = bundle(file)
      .catch(() => undefined)
      .finally(() => building.delete(file));
    building.set(file, p);
  }
  return p;
}

/**
 * @param {string} file
 * @returns {Promise<string>}
 */
async function bundle(file) {
  const rel = path.relative(ROOT, file);
  const name = `${rel.replace(/[\\/]/g, '_').replace(/\.ts$/, '')}-${createHash('sha1').update(file).digest('hex').slice(0, 8)}`;
  const out = path.join(CACHE, `${name}.mjs`);
  const stampFile = path.join(CACHE, `${name}.json`);
  if (fresh(stampFile, out)) return out;
  // A source saved while esbuild read it would leave a bundle of the old text stamped as the
  // new: made again, until every input is older than the build that read it.
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const made = await make(file);
    if (Object.values(made.inputs).every((s) => s.mtimeMs < started) || attempt === 3) {
      mkdirSync(CACHE, { recursive: true });
      // Written aside and renamed: another process may be making the same bundle.
      const tmp = `.${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(out + tmp, made.code);
      renameSync(out + tmp, out);
      writeFileSync(stampFile + tmp, JSON.stringify({ maker: MAKER, inputs: made.inputs }));
      renameSync(stampFile + tmp, stampFile);
      return out;
    }
  }
}

/**
 * The bundle's code and what it was made from.
 * @param {string} file
 * @returns {Promise<{ code: Uint8Array, inputs: Stamp['inputs'] }>}
 */
async function make(file) {
  if (esbuildVersion === undefined) throw new Error('no esbuild');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [file],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: REQUIRE_BANNER },
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [externalPackages, ownMetaUrl],
  });
  /** @type {Stamp['inputs']} */
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const s = statSync(path.resolve(ROOT, input));
    inputs[input] = { size: s.size, mtimeMs: s.mtimeMs };
  }
  return { code: result.outputFiles[0].contents, inputs };
}

/**
 * True when the bundle and its stamp exist, made the same way, and every input is as it was.
 * @param {string} stampFile
 * @param {string} out
 */
function fresh(stampFile, out) {
  /** @type {Stamp} */
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (stamp.maker !== MAKER || !statSync(out).isFile()) return false;
  } catch {
    return false;
  }
  for (const [input, was] of Object.entries(stamp.inputs)) {
    try {
      const s = statSync(path.resolve(ROOT, input));
      if (s.size !== was.size || s.mtimeMs !== was.mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}
