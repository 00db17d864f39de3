/**
 * Node ids, the one rule the file format, `validate` and the editor's rename and new nodes share.
 * Pure: the editor's bundle imports it.
 */

/** What a node id may be: a lowercase letter, then lowercase letters, digits, _ or -. */
export const NODE_ID = /^[a-z][a-z0-9_-]*$/;

/** Why `id` cannot name a node (the BAD_NODE_ID message), or undefined when it can. */
export function nodeIdProblem(id: string): string | undefined {
  if (NODE_ID.test(id)) return undefined;
  return `node id ${JSON.stringify(id)} is not allowed: expected a lowercase letter, then lowercase letters, digits, _ or -`;
}

/** The first free node id for a type: "camera", then "camera2", ...; always a valid id. */
export function freshId(type: string, taken: (id: string) => boolean): string {
  const base =
    type
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '')
      .replace(/^[^a-z]+/, '') || 'node';
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}${i}`)) return `${base}${i}`;
}
