// managedFieldsManagers: fields that trusted managers (an HPA's
// kube-controller-manager, an operator) own in live are taken out of both
// sides where the two disagree, as Argo CD does. The `fieldsV1` format is a
// tree whose keys are `f:<field>`, `k:<json key of a list item>`,
// `v:<json value of a set item>`, `i:<index>` and `.` (the node itself).
import { ManagedFieldsError } from './errors.js';
import { isRecord, jsonEqual } from '../resource/index.js';
import { getAt, removeAt, type PathSegment } from './pointer.js';

/** One step of a managed-fields path. */
export type FieldElement =
  | { readonly field: string }
  | { readonly key: Readonly<Record<string, unknown>> }
  | { readonly value: unknown }
  | { readonly index: number };

function parseElement(text: string, manager: string): FieldElement {
  const body = text.slice(2);
  try {
    if (text.startsWith('f:')) return { field: body };
    if (text.startsWith('i:') && /^\d+$/.test(body)) return { index: Number(body) };
    if (text.startsWith('v:')) return { value: JSON.parse(body) as unknown };
    if (text.startsWith('k:')) {
      const key: unknown = JSON.parse(body);
      if (isRecord(key)) return { key };
    }
  } catch (err) {
    throw new ManagedFieldsError(`malformed managed field ${JSON.stringify(text)}`, manager, {
      cause: err,
    });
  }
  throw new ManagedFieldsError(`malformed managed field ${JSON.stringify(text)}`, manager);
}

/** A node of a `fieldsV1` tree that a manager owns. */
export interface OwnedField {
  readonly path: readonly FieldElement[];
  /**
   * True for a leaf (`{}`): the manager owns the value. False for a node
   * marked `.`: the manager owns that the map or list item exists, not its
   * content.
   */
  readonly leaf: boolean;
}

/** The owned nodes of a `fieldsV1` tree; throws a ManagedFieldsError when it is malformed. */
export function parseFieldsV1(fields: unknown, manager = ''): OwnedField[] {
  const out: OwnedField[] = [];
  const walk = (node: unknown, prefix: FieldElement[]) => {
    if (!isRecord(node)) throw new ManagedFieldsError('fieldsV1 is not a map', manager);
    for (const [text, child] of Object.entries(node)) {
      if (text === '.') {
        if (prefix.length > 0) out.push({ path: prefix, leaf: false });
        continue;
      }
      const path = [...prefix, parseElement(text, manager)];
      if (isRecord(child) && Object.keys(child).length === 0) out.push({ path, leaf: true });
      else walk(child, path);
    }
  };
  walk(fields, []);
  return out;
}

/**
 * The concrete path of a managed-fields path in `doc`, or undefined when it
 * names nothing there. With `defaultedKeys`, a list item also matches a key
 * whose fields it leaves out: a manifest omits `protocol: TCP` that the
 * server defaults and then uses in the key.
 */
export function resolveFieldPath(
  doc: unknown,
  path: readonly FieldElement[],
  defaultedKeys = false,
): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  let node = doc;
  for (const el of path) {
    let next: PathSegment | undefined;
    if ('field' in el) {
      next = isRecord(node) && Object.hasOwn(node, el.field) ? el.field : undefined;
    } else if (Array.isArray(node)) {
      const list: unknown[] = node;
      if ('index' in el) next = el.index < list.length ? el.index : undefined;
      else if ('value' in el) next = indexOf(list, (item) => jsonEqual(item, el.value));
      else next = indexOf(list, (item) => matchesKey(item, el.key, defaultedKeys));
    }
    if (next === undefined) return undefined;
    out.push(next);
    node = getAt(node, [next]);
  }
  return out;
}

function indexOf(list: unknown[], match: (item: unknown) => boolean): number | undefined {
  const i = list.findIndex(match);
  return i < 0 ? undefined : i;
}

function matchesKey(
  item: unknown,
  key: Readonly<Record<string, unknown>>,
  defaulted: boolean,
): boolean {
  if (!isRecord(item)) return false;
  return Object.entries(key).every(
    ([k, v]) => jsonEqual(item[k], v) || (defaulted && !Object.hasOwn(item, k)),
  );
}

/** Which `managedFields` entries to read. */
export type EntryFilter = (manager: string, operation: string) => boolean;

/** The nodes owned by the entries of `managedFields` that `accept` picks. */
export function ownedFields(managedFields: unknown, accept: EntryFilter): OwnedField[] {
  if (!Array.isArray(managedFields)) return [];
  const out: OwnedField[] = [];
  for (const entry of managedFields) {
    if (!isRecord(entry) || typeof entry['manager'] !== 'string') continue;
    const operation = typeof entry['operation'] === 'string' ? entry['operation'] : '';
    if (!accept(entry['manager'], operation) || entry['fieldsV1'] === undefined) continue;
    out.push(...parseFieldsV1(entry['fieldsV1'], entry['manager']));
  }
  return out;
}

/**
 * Removes from `target` and `live`, in place, every field a trusted manager
 * owns in live (`liveManagedFields`) whose value differs between the two.
 * Fields equal on both sides, or present on one side only, stay. Throws a
 * ManagedFieldsError when an entry of a trusted manager cannot be read.
 */
export function dropManagedFields(
  target: unknown,
  live: unknown,
  liveManagedFields: unknown,
  managers: readonly string[],
): void {
  if (managers.length === 0) return;
  const owned = ownedFields(liveManagedFields, (manager) => managers.includes(manager));
  for (const { path } of owned.filter((f) => f.leaf)) {
    const inLive = resolveFieldPath(live, path);
    const inTarget = resolveFieldPath(target, path);
    if (!inLive || !inTarget) continue;
    if (jsonEqual(getAt(live, inLive), getAt(target, inTarget))) continue;
    removeAt(live, inLive);
    removeAt(target, inTarget);
  }
}
