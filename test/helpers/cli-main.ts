/** The CLI run in-process (runtime/cli/main.ts) with its streams captured: exit code, stdout, stderr. */
import { PassThrough } from 'node:stream';
import { main } from '../../runtime/cli/main.ts';

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}
