// Writes docs/nodes.md from the registry: node bin/run-ts.js runtime/cli/gen-node-docs.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderNodeDocs } from './node-docs.ts';

const target = fileURLToPath(new URL('../../docs/nodes.md', import.meta.url));
writeFileSync(target, renderNodeDocs());
process.stdout.write(`wrote ${target}\n`);
