/**
 * The graph folder the editor's server may read and write: names are checked so nothing
 * outside it is ever touched (no `..`, no absolute paths, no symlinks out, only .yaml).
 */
import { realpath, readdir, readFile, writeFile, rename, lstat, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PatchbayError } from '../util/patchbay-error.ts';

/** The closed set of errors the server answers with, each with its HTTP status. */
export type ServerErrorCode =
  | 'BAD_NAME'
  | 'OUTSIDE_DIR'
  | 'FOREIGN_ORIGIN'
  | 'TOKEN_REQUIRED'
  | 'BAD_TOKEN'
  | 'TOO_LARGE'
  | 'TOO_COMPLEX'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'METHOD_NOT_ALLOWED'
  | 'INVALID_GRAPH'
  | 'RUN_IN_PROGRESS'
  | 'NOT_RUNNING'
  /** The file changed on disk since the editor opened it (another tab, a text editor, git pull). */
  | 'CHANGED_ON_DISK'
  | 'RUNTIME_MISSING'
  | 'INTERNAL';

const STATUS: Record<ServerErrorCode, number> = {
  BAD_NAME: 400,
  OUTSIDE_DIR: 403,
  FOREIGN_ORIGIN: 403,
  TOKEN_REQUIRED: 401,
  BAD_TOKEN: 403,
  TOO_LARGE: 413,
  TOO_COMPLEX: 422,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  METHOD_NOT_ALLOWED: 405,
  INVALID_GRAPH: 422,
  RUN_IN_PROGRESS: 409,
  NOT_RUNNING: 409,
  CHANGED_ON_DISK: 409,
  RUNTIME_MISSING: 503,
  INTERNAL: 500,
};

/** An error the server reports to its client as `{error: {code, message}}`. */
export class ServerError extends PatchbayError<ServerErrorCode> {
  readonly status: number;
  constructor(
    code: ServerErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(code, message);
    this.status = STATUS[code];
  }
}

const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

/** One graph file as listed. */
export interface GraphFileInfo {
  name: string;
  bytes: number;
  modified: string;
}

/** Graph files inside one folder; every name is checked before the disk is touched. */
export class GraphFolder {
  private constructor(
    readonly dir: string,
    private readonly realDir: string,
  ) {}

  /** Opens `dir` (which must exist). */
  static async open(dir: string): Promise<GraphFolder> {
    const abs = resolve(dir);
    const real = await realpath(abs).catch((e: unknown) => {
      if (isNotFound(e)) throw new ServerError('NOT_FOUND', `graph folder ${dir} does not exist`);
      throw e;
    });
    return new GraphFolder(abs, real);
  }

  /**
   * The absolute path of a graph named by a client. Refuses (403) names that leave the folder
   * by `..`, an absolute path or a symlink, and (400) names that are not `*.yaml`.
   */
  async resolve(name: string): Promise<string> {
    if (name.includes('\0') || isAbsolute(name) || /^[a-zA-Z]:/.test(name) || name.startsWith('\\')) {
      throw new ServerError(
        'OUTSIDE_DIR',
        `graph name must be relative to the graph folder, got ${JSON.stringify(name)}`,
      );
    }
    const segments = name.split(/[\\/]/);
    if (segments.includes('..')) {
      throw new ServerError('OUTSIDE_DIR', `graph name must stay inside the graph folder, got ${JSON.stringify(name)}`);
    }
    const path = resolve(this.realDir, name);
    const rel = relative(this.realDir, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new ServerError('OUTSIDE_DIR', `graph name must stay inside the graph folder, got ${JSON.stringify(name)}`);
    }
    if (!basename(path).endsWith('.yaml') || basename(path) === '.yaml') {
      throw new ServerError('BAD_NAME', `graph name must end in .yaml, got ${JSON.stringify(name)}`);
    }
    // A symlink (of the file or of a folder on the way) may point anywhere: follow it and check again.
    const real = await realpath(path).catch(async (e: unknown) => {
      if (!isNotFound(e)) throw e;
      const parent = await realpath(dirname(path)).catch((e2: unknown) => {
        if (isNotFound(e2)) throw new ServerError('NOT_FOUND', `no folder for graph ${JSON.stringify(name)}`);
        throw e2;
      });
      return join(parent, basename(path));
    });
    if (real !== this.realDir && !real.startsWith(this.realDir + sep)) {
      throw new ServerError('OUTSIDE_DIR', `graph ${JSON.stringify(name)} leads outside the graph folder`);
    }
    return real;
  }

  /** The .yaml files directly in the folder, sorted by name (symlinks that lead out are left out). */
  async list(): Promise<GraphFileInfo[]> {
    const entries = await readdir(this.realDir, { withFileTypes: true });
    const out: GraphFileInfo[] = [];
    for (const e of entries) {
      if (!e.name.endsWith('.yaml') || !(e.isFile() || e.isSymbolicLink())) continue;
      let path: string;
      try {
        path = await this.resolve(e.name);
      } catch (err) {
        if (err instanceof ServerError) continue;
        throw err;
      }
      const s = await stat(path).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
      if (!s?.isFile()) continue;
      out.push({ name: e.name, bytes: s.size, modified: s.mtime.toISOString() });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The text of a graph file. */
  async read(name: string): Promise<string> {
    const path = await this.resolve(name);
    return readFile(path, 'utf8').catch((e: unknown) => {
      if (isNotFound(e)) throw new ServerError('NOT_FOUND', `no graph named ${JSON.stringify(name)}`);
      throw e;
    });
  }

  /** The text of a graph file, or undefined when there is none. */
  async readIfExists(name: string): Promise<string | undefined> {
    try {
      return await this.read(name);
    } catch (e) {
      if (e instanceof ServerError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** Writes a graph file whole or not at all (a temporary file renamed over it). */
  async write(name: string, text: string): Promise<void> {
    const path = await this.resolve(name);
    const existing = await lstat(path).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    if (existing && !existing.isFile())
      throw new ServerError('BAD_NAME', `${JSON.stringify(name)} is not a regular file`);
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  }
}
