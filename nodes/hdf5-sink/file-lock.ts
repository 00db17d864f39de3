/**
 * A recorder's claim on its file, laid before anything touches it: flock(2), the lock HDF5
 * itself takes (HDF5 1.10, Debian's h5py: exclusive to write, shared to read, for as long as
 * the file is open). So a second patchbay run, an h5py writer, or any HDF5 program writing
 * the file is refused on either side, and the holder is named from /proc/locks.
 */
import fs from 'node:fs';
import { lockFile } from '../../native/index.ts';
import { Hdf5SinkError, codeForErrno, fileExistsError } from './errors.ts';
import { makeParentDir, pathIdentity, sameFile, type FileIdentity } from './fs-checks.ts';

export interface RecordingLock {
  /** The file did not exist: this lock created it, empty. */
  readonly created: boolean;
  readonly identity: FileIdentity;
  /**
   * From exclusive to shared, once the file is created and readable: HDF5 readers (h5py,
   * h5dump) may then open it while it records, and writers are still refused.
   */
  share(): void;
  release(): void;
}

/** What stands in for the lock when the addon that provides flock is missing; the caller warns. */
export class LockUnavailable extends Error {}

const { O_RDONLY, O_CREAT, O_EXCL } = fs.constants;

/**
 * Locks `file` exclusively before anything is written: creates it empty when it does not
 * exist. Refuses with FILE_IN_USE naming the holder, or FILE_EXISTS when the file was there
 * and `ifExists` is `error`. Throws LockUnavailable when flock cannot be had at all.
 */
export function lockRecording(file: string, ifExists: 'error' | 'append' | 'overwrite'): RecordingLock {
  makeParentDir(file);
  // The path can be replaced between our open and our lock: then we locked a file no one will write.
  for (let attempt = 0; ; attempt++) {
    const { fd, created } = openForLock(file);
    let keep = false;
    try {
      let locked: boolean;
      try {
        locked = lockFile(fd, 'exclusive');
      } catch (e) {
        if (created) fs.rmSync(file, { force: true });
        throw new LockUnavailable((e as Error).message, { cause: e });
      }
      if (!locked) throw new Hdf5SinkError({ code: 'FILE_IN_USE', file, detail: `held by ${lockHolders(fd)}` });
      const identity = identityOf(fs.fstatSync(fd, { bigint: true }));
      if (!sameFile(identity, pathIdentity(file))) {
        if (attempt < 3) continue;
        throw new Hdf5SinkError({
          code: 'FILE_IN_USE',
          file,
          detail: 'the file kept being replaced while it was being locked',
        });
      }
      if (!created && ifExists === 'error') throw fileExistsError(file);
      keep = true;
      return {
        created,
        identity,
        share() {
          if (!lockFile(fd, 'shared'))
            throw new Hdf5SinkError({
              code: 'FILE_IN_USE',
              file,
              detail: `taken by ${lockHolders(fd)} while the recorder started`,
            });
        },
        release() {
          fs.closeSync(fd);
        },
      };
    } finally {
      if (!keep) fs.closeSync(fd);
    }
  }
}

function openForLock(file: string): { fd: number; created: boolean } {
  try {
    // Created here rather than by HDF5, so the file is locked before HDF5 writes a byte.
    return { fd: fs.openSync(file, O_RDONLY | O_CREAT | O_EXCL, 0o666), created: true };
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    // On a read-only file system an existing file may report EROFS rather than EEXIST.
    if (errno !== 'EEXIST' && !fs.existsSync(file))
      throw new Hdf5SinkError({
        code: codeForErrno(errno, 'OPEN_FAILED'),
        file,
        detail: errno ?? (e as Error).message,
      });
  }
  try {
    // Read-only is enough for flock, and works where HDF5 will then report why it cannot write.
    return { fd: fs.openSync(file, O_RDONLY), created: false };
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    throw new Hdf5SinkError({ code: codeForErrno(errno, 'OPEN_FAILED'), file, detail: errno ?? (e as Error).message });
  }
}

function identityOf(st: fs.BigIntStats): FileIdentity {
  return { dev: st.dev, ino: st.ino };
}

/**
 * Who holds locks on the open file `fd`, from /proc/locks: "pid 4242 (python3 writer.py),
 * exclusive lock". flock records the process that took the lock, so the pid is the holder's.
 */
export function lockHolders(fd: number): string {
  const st = fs.fstatSync(fd, { bigint: true });
  // glibc's major()/minor() of st_dev: /proc/locks prints the kernel's MAJOR:MINOR in hex.
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  let table = '';
  try {
    table = fs.readFileSync('/proc/locks', 'utf8');
  } catch (e) {
    return `another process (/proc/locks cannot say which: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  const holders: string[] = [];
  for (const line of table.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146610 0 EOF"; waiters ("1: -> FLOCK ...") hold nothing.
    const m = /^\d+:\s+(FLOCK|POSIX|OFDLCK)\s+\S+\s+(READ|WRITE)\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(
      line,
    );
    if (!m || BigInt(m[6]) !== st.ino || BigInt(`0x${m[4]}`) !== major || BigInt(`0x${m[5]}`) !== minor) continue;
    const pid = Number(m[3]);
    // HDF5 writers (and a starting recorder) lock exclusively; readers and a running recorder, shared.
    const how = m[2] === 'WRITE' ? 'exclusive lock' : 'shared lock';
    if (pid === process.pid) holders.push(`this process (another recorder of this run), ${how}`);
    else if (pid > 0) holders.push(`pid ${pid} (${commandOf(pid)}), ${how}`);
    else holders.push(`a process that does not say which (${m[1]} lock), ${how}`);
  }
  return holders.length > 0 ? [...new Set(holders)].join('; ') : 'another process (gone, or not visible from here)';
}

function commandOf(pid: number): string {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 120 ? `${text.slice(0, 117)}...` : text || 'unknown command';
  } catch {
    return 'exited since';
  }
}
