import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Reply, Request } from 'zeromq';
import { cli } from '../helpers/cli-main.ts';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { uniqAddress } from '../helpers/run-harness.ts';
import { KeyFileError, readKeyPair, readPublicKey } from '../../runtime/keys/cert.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;
const noPyzmq = missing('Python with pyzmq', () => pythonHas('zmq.auth'));

/** What pyzmq's zmq.auth.load_certificate reads in a file: [public, secret or null]. */
function pyzmqLoad(file: string): [string, string | null] {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import json, sys, zmq.auth\npub, sec = zmq.auth.load_certificate(sys.argv[1])\nprint(json.dumps([pub.decode(), sec and sec.decode()]))',
      file,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${PYTHON}: ${r.stderr}`);
  return JSON.parse(r.stdout) as [string, string | null];
}

/** The code of the KeyFileError a read rejects with. */
async function codeOf(read: Promise<unknown>): Promise<{ code: string; line?: number }> {
  const e = await read.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof KeyFileError)) throw new Error(`expected a KeyFileError, got ${String(e)}`);
  return { code: e.code, ...(e.line === undefined ? {} : { line: e.line }) };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'patchbay-keys-'));
  return () => rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  process.chdir(root);
});

describe('patchbay keys', () => {
  it('writes NAME.key (public) and NAME.key_secret (mode 0600) in --dir, and says which goes where', async () => {
    const dir = join(tmp, 'lab');
    const r = await cli('keys', 'camera-pc', '--dir', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      `wrote ${dir}/camera-pc.key (public key) and ${dir}/camera-pc.key_secret (secret key, mode 0600)\n` +
        'copy camera-pc.key to the other machines; camera-pc.key_secret stays on this one\n',
    );
    expect(statSync(join(dir, 'camera-pc.key_secret')).mode & 0o777).toBe(0o600);
    const pair = await readKeyPair(join(dir, 'camera-pc.key_secret'));
    expect(pair.publicKey).toMatch(Z85_KEY);
    expect(pair.secretKey).toMatch(Z85_KEY);
    expect(pair.secretKey).not.toBe(pair.publicKey);
    expect(await readPublicKey(join(dir, 'camera-pc.key'))).toBe(pair.publicKey);
    // The public file holds no secret.
    expect(readFileSync(join(dir, 'camera-pc.key'), 'utf8')).not.toContain(pair.secretKey);
  });

  it('existing files are kept without --force (FILE_EXISTS, exit 1); --force writes a new pair, the secret 0600 again', async () => {
    const dir = join(tmp, 'again');
    expect((await cli('keys', 'peer', '--dir', dir)).code).toBe(0);
    const secret = join(dir, 'peer.key_secret');
    const before = readFileSync(secret, 'utf8');
    chmodSync(secret, 0o644);
    const kept = await cli('keys', 'peer', '--dir', dir);
    expect(kept.code).toBe(1);
    expect(kept.err).toContain('FILE_EXISTS');
    expect(readFileSync(secret, 'utf8')).toBe(before);
    const forced = await cli('keys', 'peer', '--dir', dir, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(readFileSync(secret, 'utf8')).not.toBe(before);
    expect(statSync(secret).mode & 0o777).toBe(0o600);
  });

  it('bad usage, exit 2: no name, two names, a name that is a path; help keys prints the usage', async () => {
    expect((await cli('keys')).code).toBe(2);
    expect((await cli('keys', 'a', 'b', '--dir', tmp)).code).toBe(2);
    expect((await cli('keys', 'sub/peer', '--dir', tmp)).code).toBe(2);
    expect((await cli('keys', '.hidden', '--dir', tmp)).code).toBe(2);
    const help = await cli('help', 'keys');
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: patchbay keys NAME [--dir DIR] [--force]');
  });

  it('the sample in docs/cli.md is what the command prints', async () => {
    const doc = readFileSync(join(root, 'docs/cli.md'), 'utf8');
    const sample = /```text\n\$ patchbay keys (.*)\n([\s\S]*?)```/.exec(doc);
    expect(sample).not.toBeNull();
    const dir = join(tmp, 'docs');
    mkdirSync(dir);
    process.chdir(dir);
    const r = await cli('keys', ...sample![1].split(' '));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(sample![2]);
  });
});

describe.skipIf(noPyzmq)("the files are pyzmq's certificates", () => {
  it("pyzmq's load_certificate reads what patchbay keys writes as readKeyPair does", async () => {
    const dir = join(tmp, 'to-pyzmq');
    expect((await cli('keys', 'analysis-pc', '--dir', dir)).code).toBe(0);
    const pair = await readKeyPair(join(dir, 'analysis-pc.key_secret'));
    expect(pyzmqLoad(join(dir, 'analysis-pc.key_secret'))).toEqual([pair.publicKey, pair.secretKey]);
    expect(pyzmqLoad(join(dir, 'analysis-pc.key'))).toEqual([pair.publicKey, null]);
  });

  it("readKeyPair and readPublicKey read the pair pyzmq's create_certificates writes", async () => {
    const dir = join(tmp, 'from-pyzmq');
    mkdirSync(dir);
    const r = spawnSync(
      PYTHON,
      ['-c', 'import sys, zmq.auth\nzmq.auth.create_certificates(sys.argv[1], "peer")', dir],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const [publicKey, secretKey] = pyzmqLoad(join(dir, 'peer.key_secret'));
    expect(await readKeyPair(join(dir, 'peer.key_secret'))).toEqual({ publicKey, secretKey });
    expect(await readPublicKey(join(dir, 'peer.key'))).toBe(publicKey);
  });
});

describe('reading key files: what is wrong, and where', () => {
  const file = (name: string, text: string) => {
    const path = join(tmp, name);
    writeFileSync(path, text);
    return path;
  };
  const key = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';

  it('a missing file: NO_SUCH_FILE', async () => {
    expect(await codeOf(readKeyPair(join(tmp, 'nobody.key_secret')))).toEqual({ code: 'NO_SUCH_FILE' });
    expect(await codeOf(readPublicKey(join(tmp, 'nobody.key')))).toEqual({ code: 'NO_SUCH_FILE' });
  });

  it('no public-key line: NO_PUBLIC_KEY; a public file read as a pair: NO_SECRET_KEY', async () => {
    expect(await codeOf(readPublicKey(file('empty.key', 'metadata\ncurve\n')))).toEqual({ code: 'NO_PUBLIC_KEY' });
    // A commented-out line is no key.
    expect(await codeOf(readPublicKey(file('commented.key', `curve\n#    public-key = "${key}"\n`)))).toEqual({
      code: 'NO_PUBLIC_KEY',
    });
    expect(await codeOf(readKeyPair(file('public.key', `curve\n    public-key = "${key}"\n`)))).toEqual({
      code: 'NO_SECRET_KEY',
    });
  });

  it('a key that is not 40 characters of Z85: BAD_KEY with its line', async () => {
    const short = file('short.key', `metadata\ncurve\n    public-key = "${key.slice(1)}"\n`);
    expect(await codeOf(readPublicKey(short))).toEqual({ code: 'BAD_KEY', line: 3 });
    const alien = file(
      'alien.key_secret',
      `curve\n    public-key = "${key}"\n    secret-key = "${key.slice(0, 39)}~"\n`,
    );
    expect(await codeOf(readKeyPair(alien))).toEqual({ code: 'BAD_KEY', line: 3 });
  });

  it('single quotes, no quotes and CRLF line ends are read as pyzmq reads them', async () => {
    expect(await readPublicKey(file('single.key', `curve\r\n    public-key = '${key}'\r\n`))).toBe(key);
    expect(await readPublicKey(file('bare.key', `curve\n\tpublic-key=${key}\n`))).toBe(key);
  });
});

describe('a key pair from the files secures a real link', () => {
  const sockets: { close(): void }[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  /**
   * Pairs written by patchbay keys in `dir` (server, client and `others`), a CURVE server bound on
   * a free tcp port with server's secret, and a client with its own pair that trusts the public
   * key of `trusted`.
   */
  async function link(dir: string, trusted: string, others: string[] = []) {
    for (const name of ['server', 'client', ...others]) expect((await cli('keys', name, '--dir', dir)).code).toBe(0);
    const server = await readKeyPair(join(dir, 'server.key_secret'));
    const client = await readKeyPair(join(dir, 'client.key_secret'));
    const rep = new Reply({ curveServer: true, curveSecretKey: server.secretKey });
    const req = new Request({
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
      curveServerKey: await readPublicKey(join(dir, `${trusted}.key`)),
    });
    sockets.push(rep, req);
    return { rep, req, address: await uniqAddress('tcp') };
  }

  it('a CURVE server and client, keys from patchbay keys, exchange a message over tcp://127.0.0.1', async () => {
    const { rep, req, address } = await link(join(tmp, 'link'), 'server');
    await rep.bind(address);
    req.connect(address);
    expect([rep.securityMechanism, req.securityMechanism]).toEqual(['curve', 'curve']);
    await req.send('frame 1');
    const [asked] = await rep.receive();
    await rep.send(`got ${String(asked)}`);
    const [answer] = await req.receive();
    expect(String(answer)).toBe('got frame 1');
  });

  it('a client that trusts another server key is refused at the handshake', async () => {
    const { rep, req, address } = await link(join(tmp, 'wrong'), 'impostor', ['impostor']);
    const refused = new Promise<string>((resolve) => {
      rep.events.on('handshake:error:protocol', (e) => resolve(e.type));
    });
    await rep.bind(address);
    req.connect(address);
    await req.send('frame 1');
    expect(await refused).toBe('handshake:error:protocol');
  });
});
