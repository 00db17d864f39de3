/**
 * The editor's server in a process of its own, as `patchbay edit` runs it but without the
 * browser app (nothing to build): `node bin/run-ts.js test/faults/editor-door-server.ts DIR`.
 * The token comes from PATCHBAY_TOKEN; PATCHBAY_CHECK_LIMIT_MS lowers the checker's time limit.
 * Prints `serving URL` and stops on SIGTERM.
 */
import { startEditorServer } from '../../runtime/server/server.ts';

const dir = process.argv[2];
const limit = Number(process.env.PATCHBAY_CHECK_LIMIT_MS ?? '') || undefined;
const server = await startEditorServer({
  dir,
  port: 0,
  token: process.env.PATCHBAY_TOKEN || undefined,
  checkTimeLimitMs: limit,
});
process.stdout.write(`serving ${server.url}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
