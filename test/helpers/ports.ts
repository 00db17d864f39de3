/**
 * Tests never bind a port an example graph uses (a user may be running one with `npm start`
 * while `npm test` runs): copies of graphs get free ports of their own.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './run-harness.ts';

const TCP_PORT = /(tcp:\/\/[^\s:"'/]+:)(\d+)/g;

/**
 * Gives every tcp port named in the YAML files of `dir` a free port instead, the same one
 * wherever a port appears (a publisher and its subscribers still meet). Returns old → new.
 */
export async function freeTheirPorts(dir: string): Promise<Map<number, number>> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
  const ports = new Map<number, number>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(TCP_PORT)) ports.set(Number(m[2]), 0);
  for (const p of ports.keys()) ports.set(p, await freePort());
  for (const f of files)
    writeFileSync(
      f,
      readFileSync(f, 'utf8').replace(TCP_PORT, (_, head: string, port: string) => `${head}${ports.get(Number(port))}`),
    );
  return ports;
}
