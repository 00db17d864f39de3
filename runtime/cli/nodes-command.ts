import { getNodeType, nodeTypes } from '../../nodes/registry.ts';
import type { CliCommand } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';
import { renderNodesText } from './node-docs.ts';
import { didYouMean } from '../graph/suggest.ts';

/** `patchbay nodes [TYPE] [--json]`: the node catalog from the registry. */
export const nodesCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  if (positionals.length > 1) throw new UsageError('nodes takes at most one node type');
  let decls = nodeTypes;
  if (positionals.length === 1) {
    // Types are written as declared (FFT) in a graph; here a user asking about "fft" means FFT.
    const decl =
      getNodeType(positionals[0]) ?? nodeTypes.find((d) => d.type.toLowerCase() === positionals[0].toLowerCase());
    if (!decl) {
      const names = nodeTypes.map((d) => d.type);
      throw new UsageError(
        `unknown node type ${positionals[0]}${didYouMean(positionals[0], names)}; types: ${names.join(', ')}`,
      );
    }
    decls = [decl];
  }
  io.stdout.write(
    values.json ? JSON.stringify(positionals.length ? decls[0] : decls, null, 2) + '\n' : renderNodesText(decls),
  );
  return 0;
};
