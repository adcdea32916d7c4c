// Watched objects are held for as long as they live, one JSON parse each, so
// every object carries its own copy of strings that many objects share (a
// namespace, an apiVersion, a field manager's name, a repository URL, a
// revision) and of `managedFields` trees that are the same for every object a
// manager wrote the same way. Sharing one copy among the cached objects is
// invisible to readers (a string is a value; a shared tree is frozen, and
// equal to what it replaces) and takes about a third off a cached object.
import type { KubernetesObject } from '@kubernetes/client-node';

/** Values longer than this are not shared (a last-applied annotation, a message). */
const MAX_SHARED_LENGTH = 256;

/**
 * Fields whose values are unique to an object or a moment: sharing them
 * would only fill the table. `data`, `stringData` and `binaryData` are not
 * walked at all (Secret values stay out of a process-wide table).
 */
const UNIQUE_FIELDS = new Set(['name', 'uid', 'resourceVersion', 'time', 'generateName']);
const SKIPPED_FIELDS = new Set(['data', 'stringData', 'binaryData']);
const uniqueField = (key: string) =>
  UNIQUE_FIELDS.has(key) || key.endsWith('At') || key.endsWith('Time') || key.endsWith('Timestamp');

/**
 * Makes equal strings and equal `managedFields` trees of the objects it is
 * given share one copy. Its tables are bounded: when one is full it starts
 * again (what the objects already share stays shared).
 */
export class ObjectCompactor {
  private readonly strings = new Map<string, string>();
  private readonly trees = new Map<string, object>();

  constructor(private readonly maxEntries = 8192) {}

  /** The shared copy of `s`. */
  string(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size >= this.maxEntries) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  /**
   * Compacts `obj` in place and returns it. `previous`, the version of the
   * same object held until now, lets an entry whose tree did not change take
   * the previous (shared) tree after a walk that allocates nothing: most
   * events change one manager's entry, or none.
   */
  object<T extends KubernetesObject>(obj: T, previous?: KubernetesObject): T {
    this.walk(obj as Record<string, unknown>);
    const entries = obj.metadata?.managedFields;
    if (Array.isArray(entries)) {
      const before = previous?.metadata?.managedFields;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as { fieldsV1?: unknown } | null;
        if (entry === null || typeof entry !== 'object' || !isTree(entry.fieldsV1)) continue;
        const old = (Array.isArray(before) ? before[i] : undefined) as
          { fieldsV1?: unknown } | undefined;
        entry.fieldsV1 =
          old !== undefined &&
          isTree(old.fieldsV1) &&
          Object.isFrozen(old.fieldsV1) &&
          sameTree(entry.fieldsV1, old.fieldsV1)
            ? old.fieldsV1
            : this.tree(entry.fieldsV1);
      }
    }
    return obj;
  }

  // A frozen copy of the tree shared by every entry with the same JSON (key order included).
  private tree(tree: object): object {
    const json = JSON.stringify(tree);
    const known = this.trees.get(json);
    if (known !== undefined) return known;
    if (this.trees.size >= this.maxEntries) this.trees.clear();
    deepFreeze(tree);
    this.trees.set(json, tree);
    return tree;
  }

  private walk(node: Record<string, unknown> | unknown[]): void {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'string') {
          if (v.length <= MAX_SHARED_LENGTH) node[i] = this.string(v);
        } else if (v !== null && typeof v === 'object') this.walk(v as Record<string, unknown>);
      }
      return;
    }
    for (const key of Object.keys(node)) {
      const v = node[key];
      if (typeof v === 'string') {
        if (v.length <= MAX_SHARED_LENGTH && !uniqueField(key)) node[key] = this.string(v);
      } else if (v !== null && typeof v === 'object' && !SKIPPED_FIELDS.has(key)) {
        // managedFields trees are shared whole (see `object`); their keys are V8's own.
        if (key !== 'fieldsV1') this.walk(v as Record<string, unknown>);
      }
    }
  }
}

const isTree = (v: unknown): v is object => v !== null && typeof v === 'object';

const shared = new ObjectCompactor();

/**
 * Compacts a watched object in place with the process's one compactor, so
 * the objects of every watch (Applications, each cluster's cache) share.
 */
export function compactObject<T extends KubernetesObject>(obj: T, previous?: KubernetesObject): T {
  return shared.object(obj, previous);
}

/** Whether two managedFields trees have the same keys in the same order, all the way down. */
function sameTree(a: object, b: object): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i]) return false;
    const va = (a as Record<string, unknown>)[k];
    const vb = (b as Record<string, unknown>)[k];
    if (isTree(va) && isTree(vb)) {
      if (!sameTree(va, vb)) return false;
    } else if (va !== vb) return false;
  }
  return true;
}

function deepFreeze(node: object): void {
  for (const v of Object.values(node)) if (isTree(v)) deepFreeze(v);
  Object.freeze(node);
}
