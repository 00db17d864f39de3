/**
 * ZeroMQ CURVE key files in the certificate format of czmq and pyzmq (`zmq.auth.create_certificates`,
 * `load_certificate`): `NAME.key` holds the public key and goes to the other machines,
 * `NAME.key_secret` holds both keys and stays on its machine. A secure graph names public key files;
 * the runtime reads a host's pair from its secret file.
 *
 * ```text
 * metadata
 * curve
 *     public-key = "<40 characters of Z85>"
 *     secret-key = "<40 characters of Z85>"       (NAME.key_secret only)
 * ```
 */
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { PatchbayError } from '../util/patchbay-error.ts';

export type KeyFileErrorCode =
  'NO_SUCH_FILE' | 'CANNOT_READ' | 'NO_PUBLIC_KEY' | 'NO_SECRET_KEY' | 'BAD_KEY' | 'FILE_EXISTS';

/** A key file that cannot be read or written, or does not hold what it should; `file` and `line` say where. */
export class KeyFileError extends PatchbayError<KeyFileErrorCode> {
  constructor(
    code: KeyFileErrorCode,
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(code, message);
  }
}

/** A CURVE key pair, each key 40 characters of Z85 (32 bytes), as zeromq.js's socket options take them. */
export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** The file names of NAME's pair. */
export function keyFiles(name: string): { public: string; secret: string } {
  return { public: `${name}.key`, secret: `${name}.key_secret` };
}

/** Z85 (ZeroMQ RFC 32) encodes 32 bytes as 40 characters of this alphabet. */
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** The text of a key file: czmq's layout, a comment that says which half it is and where it goes. */
function certificateText(keys: { publicKey: string; secretKey?: string }, name: string): string {
  const banner = keys.secretKey
    ? [
        'ZeroMQ CURVE **Secret** Certificate',
        `Keep it on this machine; give the other machines ${keyFiles(name).public}.`,
      ]
    : ['ZeroMQ CURVE Public Certificate', 'Copy it to the machines this one talks to over secure links.'];
  return [
    `#   ****  Generated on ${new Date().toISOString()} by patchbay keys  ****`,
    ...banner.map((l) => `#   ${l}`),
    '',
    'metadata',
    'curve',
    `    public-key = "${keys.publicKey}"`,
    ...(keys.secretKey ? [`    secret-key = "${keys.secretKey}"`] : []),
    '',
  ].join('\n');
}

/**
 * Writes a new key pair as `<base>.key` and `<base>.key_secret` (mode 0600), `base` being a
 * path without the extension; refuses with FILE_EXISTS when either is there, unless `force`.
 */
export async function writeKeyPair(
  base: string,
  options: { force?: boolean } = {},
): Promise<{ public: string; secret: string; keys: KeyPair }> {
  const files = keyFiles(base);
  const existing = [files.public, files.secret].filter((f) => existsSync(f));
  if (existing.length && !options.force)
    throw new KeyFileError(
      'FILE_EXISTS',
      `${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}; nothing written (--force replaces the pair)`,
      existing[0],
    );
  // Removed, then created with 'wx': a replaced secret file gets mode 0600 too (a mode is set only on creation).
  for (const f of existing) await unlink(f);
  const keys = curveKeyPair();
  const name = basename(base);
  await writeFile(files.secret, certificateText(keys, name), { flag: 'wx', mode: 0o600 });
  await writeFile(files.public, certificateText({ publicKey: keys.publicKey }, name), { flag: 'wx', mode: 0o644 });
  return { ...files, keys };
}

/** The keys a certificate file holds, read the way pyzmq's load_certificate reads them, each checked to be Z85 of 32 bytes. */
async function readCertificate(file: string): Promise<{ publicKey: string; secretKey?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') throw new KeyFileError('NO_SUCH_FILE', `no such key file: ${file}`, file);
    throw new KeyFileError('CANNOT_READ', `cannot read key file ${file} (${errno ?? String(err)})`, file);
  }
  const keys: { publicKey?: string; secretKey?: string } = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*(public-key|secret-key)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) return;
    const value = m[2].replace(/^["']|["']$/g, '');
    if (!Z85_KEY.test(value))
      throw new KeyFileError(
        'BAD_KEY',
        `${file}:${i + 1}: ${m[1]} must be 40 characters of Z85 (a 32-byte CURVE key), received ${value.length} characters${value.length === 40 ? ' with some outside Z85' : ''}`,
        file,
        i + 1,
      );
    keys[m[1] === 'public-key' ? 'publicKey' : 'secretKey'] = value;
  });
  if (keys.publicKey === undefined)
    throw new KeyFileError(
      'NO_PUBLIC_KEY',
      `${file} has no public-key line: not a ZeroMQ CURVE certificate (patchbay keys NAME writes one)`,
      file,
    );
  return { publicKey: keys.publicKey, secretKey: keys.secretKey };
}

/** The public key in a certificate file, NAME.key (or NAME.key_secret: it holds the public key too). */
export async function readPublicKey(file: string): Promise<string> {
  return (await readCertificate(file)).publicKey;
}

/** The key pair in a secret certificate file, NAME.key_secret. */
export async function readKeyPair(secretFile: string): Promise<KeyPair> {
  const { publicKey, secretKey } = await readCertificate(secretFile);
  if (secretKey === undefined)
    throw new KeyFileError(
      'NO_SECRET_KEY',
      `${secretFile} has no secret-key line: ${secretFile.endsWith('.key') ? 'a public certificate; the pair is in the .key_secret file beside it' : 'not a secret certificate'}`,
      secretFile,
    );
  return { publicKey, secretKey };
}
