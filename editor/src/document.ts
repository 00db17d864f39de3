/**
 * The open graph document beside its canvas: which file of the folder it is and the text it was
 * read from (so a save keeps its comments and notices a change on disk), what the canvas does not
 * draw (name, description, hosts:, secure:), whether it has unsaved changes, and opening, saving
 * and downloading it.
 */
import { ref, watch } from 'vue';
import type { Graph, GraphError } from '../../runtime/graph/types.ts';
import { api, ApiError, type GraphFileInfo } from './api.ts';
import type { PatchEditor } from './canvas/patch-editor.ts';
import type { PatchNode } from './canvas/patch-node.ts';
import { renameHostOn } from './hosts.ts';
import { live } from './store.ts';
import { showInUrl } from './view.ts';

/** What the Graph panel edits: the document's keys that are not nodes, links or layout. */
export type GraphMeta = Pick<Graph, 'name' | 'description' | 'hosts' | 'secure'>;

export interface DocumentHooks {
  editor(): PatchEditor | undefined;
  say(kind: 'info' | 'refused' | 'error', text: string, code?: string): void;
  fail(e: unknown): void;
  showErrors(errors: GraphError[]): void;
  /** Another graph is about to be shown: what the last one left (run stats, selection) goes. */
  beforeLoad(): void;
}

export function useDocument(hooks: DocumentHooks) {
  const files = ref<GraphFileInfo[]>([]);
  /** The file in the folder (none until saved, for a new graph or one opened from the disk) and the text it holds. */
  const file = ref<{ name?: string; text?: string }>({});
  const meta = ref<GraphMeta>({});
  const dirty = ref(false);
  watch(
    () => meta.value.hosts,
    (hosts) => (live.hostNames = Object.keys(hosts ?? {})),
    { immediate: true },
  );

  /** The whole document as it is on screen, saved or not. */
  function graph(): Graph {
    return hooks.editor()!.toGraph(meta.value);
  }

  /**
   * Changes the graph's meta as one undoable step (refused while a graph runs); `renamed`: a host
   * renamed in the map, whose nodes and endpoints follow it.
   */
  function setMeta(next: GraphMeta, renamed?: { from: string; to: string }): void {
    const pe = hooks.editor();
    if (!pe) return;
    const before = meta.value;
    let undoRename: (() => PatchNode[]) | undefined;
    pe.edit((forward) => {
      meta.value = forward ? next : before;
      if (!renamed) return [];
      if (!forward) return undoRename?.() ?? [];
      const r = renameHostOn(pe.nodes(), renamed.from, renamed.to);
      undoRename = r.undo;
      return r.changed;
    });
  }

  async function refreshFiles(): Promise<void> {
    files.value = await api.list();
  }

  function confirmDiscard(): boolean {
    return !dirty.value || window.confirm('This graph has unsaved changes. Discard them?');
  }

  async function loadInto(g: Graph, from: { name?: string; text?: string }, errs: GraphError[]): Promise<void> {
    const pe = hooks.editor();
    if (!pe) return;
    hooks.beforeLoad();
    await pe.load(g);
    file.value = from;
    meta.value = { name: g.name, description: g.description, hosts: g.hosts, secure: g.secure };
    dirty.value = false;
    hooks.showErrors(errs);
  }

  async function openFile(name: string): Promise<void> {
    if (!name || !confirmDiscard()) return;
    try {
      const res = await api.read(name);
      if (!res.graph) {
        hooks.showErrors(res.errors);
        hooks.say('error', `${name} does not parse: ${res.errors[0]?.message ?? 'no graph'}`, res.errors[0]?.code);
        return;
      }
      await loadInto(res.graph, { name, text: res.text }, res.errors);
      showInUrl(name);
      hooks.say('info', `Opened ${name}`);
    } catch (e) {
      hooks.fail(e);
    }
  }

  async function openFromDisk(ev: Event): Promise<void> {
    const input = ev.target as HTMLInputElement;
    const picked = input.files?.[0];
    input.value = '';
    if (!picked || !confirmDiscard()) return;
    try {
      const text = await picked.text();
      const res = await api.parseText(text, picked.name);
      if (!res.graph) {
        hooks.say(
          'error',
          `${picked.name} does not parse: ${res.errors[0]?.message ?? 'no graph'}`,
          res.errors[0]?.code,
        );
        return;
      }
      // Not in the graph folder: "Save" asks for a name there; the file's comments are kept.
      await loadInto(res.graph, { text }, res.errors);
      hooks.say('info', `Opened ${picked.name} from disk; Save puts it in the graph folder`);
    } catch (e) {
      hooks.fail(e);
    }
  }

  async function newGraph(): Promise<void> {
    if (!confirmDiscard()) return;
    await loadInto({ patchbay: 1, nodes: {}, links: [] }, {}, []);
    showInUrl(undefined);
  }

  async function saveTo(name: string): Promise<void> {
    if (!hooks.editor()) return;
    try {
      const g = graph();
      let res;
      try {
        res = await api.save(name, g, file.value.text);
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 'CHANGED_ON_DISK') throw e;
        // Someone else changed the file: their change is lost only if the user says so.
        if (
          !window.confirm(
            `${name} changed on disk since you opened it (another tab, a text editor, git pull).\n\nReplace it with what is on the canvas? Cancel keeps the file as it is on disk.`,
          )
        ) {
          hooks.say(
            'error',
            `Not saved: ${name} changed on disk. Open it again to see its version, or save again to replace it.`,
          );
          return;
        }
        res = await api.save(name, g, file.value.text, true);
      }
      file.value = { name: res.name, text: res.text };
      showInUrl(res.name);
      dirty.value = false;
      hooks.showErrors(res.errors);
      await refreshFiles();
      const n = res.errors.filter((e) => e.severity === 'error').length;
      hooks.say('info', `Saved ${res.name}${n > 0 ? ` (${n} problem${n > 1 ? 's' : ''} to fix before it runs)` : ''}`);
    } catch (e) {
      hooks.fail(e);
    }
  }

  async function saveAs(): Promise<void> {
    let name = window.prompt(
      'Save as (a .yaml file in the graph folder)',
      file.value.name ?? `${meta.value.name ?? 'graph'}.yaml`,
    );
    if (!name) return;
    name = name.trim();
    if (!name.endsWith('.yaml')) name += '.yaml';
    if (
      name !== file.value.name &&
      files.value.some((f) => f.name === name) &&
      !window.confirm(`${name} exists. Replace it?`)
    )
      return;
    await saveTo(name);
  }

  async function save(): Promise<void> {
    if (file.value.name) await saveTo(file.value.name);
    else await saveAs();
  }

  async function download(): Promise<void> {
    if (!hooks.editor()) return;
    try {
      const res = await api.validateGraph(graph(), file.value.text);
      const url = URL.createObjectURL(new Blob([res.text], { type: 'application/yaml' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.value.name ?? 'graph.yaml';
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      hooks.fail(e);
    }
  }

  return {
    files,
    file,
    meta,
    dirty,
    graph,
    setMeta,
    refreshFiles,
    confirmDiscard,
    loadInto,
    openFile,
    openFromDisk,
    newGraph,
    save,
    saveAs,
    download,
  };
}
