/**
 * What the file system says about a recording's path: its directory, and whether the
 * path still names the file the recorder opened.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hdf5SinkError, codeForErrno } from './errors.ts';

/** Which file a path named when it was opened; a path naming another one (or none) was deleted or replaced. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

/** The identity of the file `file` names now, or undefined when it names none. */
export function pathIdentity(file: string): FileIdentity | undefined {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino } : undefined;
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** Creates the directories `file` needs, or says with a code why they cannot be. */
export function makeParentDir(file: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (e) {
    // A recursive mkdir on a read-only file system reports ENOENT: ask the nearest existing ancestor why.
    const errno = writableErrno(path.dirname(file)) ?? (e as NodeJS.ErrnoException).code;
    throw new Hdf5SinkError({
      code: codeForErrno(errno, 'OPEN_FAILED'),
      file,
      detail: `cannot create directory ${path.dirname(file)}: ${errno ?? (e as Error).message}`,
    });
  }
}

/** The error code (EROFS, EACCES...) that keeps the nearest existing ancestor of `dir` from being written, if any. */
function writableErrno(dir: string): string | undefined {
  let d = dir;
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  try {
    fs.accessSync(d, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}
