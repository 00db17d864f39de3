import { readFile } from 'node:fs/promises';
import { PatchbayError } from '../util/patchbay-error.ts';

export type GraphFileErrorCode = 'NO_SUCH_FILE' | 'IS_A_DIRECTORY' | 'CANNOT_READ';

/**
 * A graph file the command cannot read. Its message is whole words about the file (the CLI
 * prints it after "patchbay CMD: " as is); `errno` keeps the system's code for --json.
 */
export class GraphFileError extends PatchbayError<GraphFileErrorCode> {
  constructor(
    code: GraphFileErrorCode,
    message: string,
    readonly errno: string,
  ) {
    super(code, message);
  }
}

/** The text of a graph file, or a GraphFileError that says what is wrong with the path. */
export async function readGraphFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw graphFileError(file, err);
  }
}

function graphFileError(file: string, err: unknown): GraphFileError {
  const errno = (err as NodeJS.ErrnoException).code ?? 'EIO';
  switch (errno) {
    case 'ENOENT':
      return new GraphFileError('NO_SUCH_FILE', `no such file: ${file}`, errno);
    case 'ENOTDIR':
      return new GraphFileError('NO_SUCH_FILE', `no such file: ${file} (a part of the path is not a directory)`, errno);
    case 'EISDIR':
      return new GraphFileError('IS_A_DIRECTORY', `${file} is a directory, not a graph file`, errno);
    case 'EACCES':
    case 'EPERM':
      return new GraphFileError('CANNOT_READ', `cannot read ${file}: permission denied`, errno);
    default:
      return new GraphFileError('CANNOT_READ', `cannot read ${file} (${errno})`, errno);
  }
}
