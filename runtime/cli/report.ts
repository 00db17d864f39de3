import type { GraphError } from '../graph/types.ts';

/** One problem as `file:line:col CODE message`, the shape editors and CI annotate from. */
export function formatError(file: string, e: GraphError): string {
  const where = `${file}:${e.line ?? 1}:${e.col ?? 1}`;
  return `${where} ${e.code} ${e.severity === 'warning' ? 'warning: ' : ''}${e.message}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
