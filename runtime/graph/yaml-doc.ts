/**
 * The yaml package's answers, in time linear in the document. Three of its conveniences are
 * quadratic on a large graph file: `uniqueKeys` compares each key of a map with every key before
 * it (10 000 nodes: 50 million comparisons); `Alias.resolve(doc)` walks the whole document for
 * every alias; and `node.toJS(doc)` does that walk again for each value holding an alias. Here
 * each is done once per document, and the results are the package's own (docs/editor.md#large-documents,
 * bench/validate.ts).
 */
import {
  isAlias,
  isScalar,
  parseDocument,
  visit,
  YAMLParseError,
  type Alias,
  type Document,
  type DocumentOptions,
  type LineCounter,
  type Node as YamlNode,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';
import { toJS, type ToJSContext } from 'yaml/util';

type Options = ParseOptions & DocumentOptions & SchemaOptions;

/**
 * Below this many key comparisons a document with a duplicate key is parsed again with the
 * package's own check, so its errors are the package's to the letter; above, the duplicate
 * errors are made here, the same message at the key's position.
 */
const EXACT_COMPARISONS = 2_000_000;

/**
 * `parseDocument(text, {...options, uniqueKeys: true})`, without comparing every pair of keys.
 * @param exactBelow key comparisons up to which duplicates are left to the package (tests lower it)
 */
export function parseUnique(
  text: string,
  options: Options & { lineCounter?: LineCounter },
  exactBelow = EXACT_COMPARISONS,
): Document {
  const doc = parseDocument(text, { ...options, uniqueKeys: false });
  const dups: YamlNode[] = [];
  let comparisons = 0;
  visit(doc, {
    Map(_, map) {
      comparisons += (map.items.length * (map.items.length - 1)) / 2;
      // yaml's test: the same key node, or two scalars whose values are ===. NaN is never ===,
      // and a Set would find it, so it is left out.
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as YamlNode | null;
        const id = isScalar(key) ? key.value : key;
        if (typeof id === 'number' && Number.isNaN(id)) continue;
        if (seen.has(id)) dups.push(key as YamlNode);
        else seen.add(id);
      }
    },
  });
  if (dups.length === 0) return doc;
  if (comparisons <= exactBelow) {
    // The line counter counts the lines again: it must not hold the first parse's.
    if (options.lineCounter) options.lineCounter.lineStarts.length = 0;
    return parseDocument(text, { ...options, uniqueKeys: true });
  }
  const lc = options.lineCounter;
  const made = dups.map((key) => {
    const at = key?.range?.[0] ?? 0;
    const err = new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
    if (options.prettyErrors !== false && lc) {
      err.linePos = [lc.linePos(at), lc.linePos(at + 1)];
      err.message += ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}:`;
    }
    return err;
  });
  // Into the package's errors by position, after those at the same place, in one merge.
  made.sort((a, b) => a.pos[0] - b.pos[0]);
  const merged: YAMLParseError[] = [];
  let j = 0;
  for (const e of doc.errors) {
    while (j < made.length && made[j].pos[0] < e.pos[0]) merged.push(made[j++]);
    merged.push(e);
  }
  doc.errors = [...merged, ...made.slice(j)];
  return doc;
}

/**
 * Every alias of a document with the node it stands for, found in one walk: the node with that
 * anchor that comes last before the alias, as `Alias.resolve` finds it.
 */
export class Aliases {
  /** Aliases and anchored nodes in document order (the order `Alias.resolve` scans). */
  private readonly order = new Map<YamlNode, number>();
  private readonly targets = new Map<Alias, YamlNode | undefined>();

  /** @param text the document's source: without a `*` it has no alias, and the walk is skipped */
  constructor(
    private readonly doc: Document,
    text?: string,
  ) {
    if (text !== undefined && !text.includes('*')) return;
    const last = new Map<string, YamlNode>();
    let n = 0;
    visit(doc, {
      Node: (_, node) => {
        if (isAlias(node)) {
          this.order.set(node, n++);
          this.targets.set(node, last.get(node.source));
        } else if (node.anchor) {
          this.order.set(node, n++);
          last.set(node.anchor, node);
        }
      },
    });
  }

  get count(): number {
    return this.targets.size;
  }

  /** The aliases no anchor before them defines. */
  dangling(): Alias[] {
    return [...this.targets].filter(([, t]) => t === undefined).map(([a]) => a);
  }

  /**
   * `node.toJS(doc, {maxAliasCount})`, the same value and the same errors. The package's alias
   * lookup scans a list of the document's aliases and anchors; given only those this value can
   * reach (each alias and the node it stands for, in document order), every lookup finds what it
   * would in the whole list, without walking the document first.
   */
  toJS(node: YamlNode, maxAliasCount: number): unknown {
    if (this.targets.size === 0) return node.toJS(this.doc, { maxAliasCount });
    const reach = new Set<YamlNode>();
    const pending: YamlNode[] = [node];
    const seen = new Set<YamlNode>();
    while (pending.length) {
      const root = pending.pop()!;
      if (seen.has(root)) continue;
      seen.add(root);
      visit(root, {
        Alias: (_, alias) => {
          reach.add(alias);
          const target = this.targets.get(alias);
          if (target) {
            reach.add(target);
            pending.push(target);
          }
        },
      });
    }
    if (reach.size === 0) return node.toJS(this.doc, { maxAliasCount });
    const aliasResolveCache = [...reach].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    // What Node.prototype.toJS builds, plus the list.
    const ctx: ToJSContext = {
      anchors: new Map(),
      aliasResolveCache,
      doc: this.doc,
      keep: true,
      mapAsMap: false,
      mapKeyWarned: false,
      maxAliasCount,
    };
    return toJS(node, '', ctx);
  }
}

/** A map's pairs by key, as `YAMLMap.get(key, true)` finds them: the first pair whose key is, or holds, that value. */
export function pairsByKey<P extends { key: unknown }>(items: readonly P[]): Map<unknown, P> {
  const out = new Map<unknown, P>();
  for (const pair of items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (!out.has(k)) out.set(k, pair);
  }
  return out;
}
