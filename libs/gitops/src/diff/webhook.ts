// Mutating webhooks in a server-side diff. The dry run's answer includes what
// admission webhooks changed; Argo CD leaves those changes out of the diff
// unless a resource asks for them (`compare-options: IncludeMutationWebhook=true`).
// A webhook's change belongs to no field manager: fields of the predicted
// object that no `managedFields` entry owns are put back as live has them.
// Fields the API server defaults are unowned too, and equal on both sides.
import { ManagedFieldsError } from './errors.js';
import { cloneJson, isRecord, jsonEqual, metadataOf } from '../resource/index.js';
import { parseFieldsV1, resolveFieldPath, type FieldElement } from './managed-fields.js';
import { getAt, removeAt, toPointer, type PathSegment } from './pointer.js';
import type { DiffObject } from './types.js';

interface Owned {
  readonly path: readonly FieldElement[];
  readonly at: readonly PathSegment[];
  readonly pointer: string;
  readonly leaf: boolean;
}

function ownedIn(predicted: DiffObject): Owned[] | undefined {
  const entries = metadataOf(predicted)['managedFields'];
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  const out: Owned[] = [];
  const secret = predicted['kind'] === 'Secret' && predicted['apiVersion'] === 'v1';
  for (const entry of entries) {
    if (!isRecord(entry) || entry['fieldsV1'] === undefined) continue;
    for (const f of parseFieldsV1(entry['fieldsV1'], String(entry['manager'] ?? ''))) {
      // A Secret's stringData is write-only: the API server stores it under data, and
      // the manager that wrote a stringData key owns that data key.
      const first = f.path[0];
      const path =
        secret && first && 'field' in first && first.field === 'stringData'
          ? [{ field: 'data' }, ...f.path.slice(1)]
          : f.path;
      const at = resolveFieldPath(predicted, path);
      if (at) out.push({ path, at, pointer: toPointer(at), leaf: f.leaf });
    }
  }
  return out;
}

type Edit =
  | { readonly op: 'set'; readonly at: PathSegment[]; readonly value: unknown }
  | {
      readonly op: 'remove';
      readonly at: PathSegment[];
    };

// Later array indices first, deeper paths first: removals then never shift one another.
function removalOrder(a: readonly PathSegment[], b: readonly PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as PathSegment;
    const y = b[i] as PathSegment;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(x) < String(y) ? -1 : 1;
  }
  return b.length - a.length;
}

/**
 * The predicted object with every field no manager owns taken back to live's
 * value (or removed, where live has none). Returns `predicted` itself when it
 * carries no `managedFields` or they cannot be read.
 */
export function revertWebhookMutations(predicted: DiffObject, live: DiffObject): DiffObject {
  let owned: Owned[] | undefined;
  try {
    owned = ownedIn(predicted);
  } catch (err) {
    if (err instanceof ManagedFieldsError) return predicted;
    throw err;
  }
  if (!owned) return predicted;
  const leaves = new Set(owned.filter((o) => o.leaf).map((o) => o.pointer));
  const touched = new Set<string>();
  for (const o of owned) {
    for (let i = 0; i <= o.at.length; i++) touched.add(toPointer(o.at.slice(0, i)));
  }
  const edits: Edit[] = [];
  const walk = (node: unknown, liveNode: unknown, at: PathSegment[]) => {
    const pointer = toPointer(at);
    if (leaves.has(pointer)) return;
    if (!touched.has(pointer)) {
      if (liveNode === undefined) edits.push({ op: 'remove', at });
      else if (!jsonEqual(node, liveNode))
        edits.push({ op: 'set', at, value: cloneJson(liveNode) });
      return;
    }
    if (isRecord(node)) {
      const liveMap = isRecord(liveNode) ? liveNode : undefined;
      for (const [k, v] of Object.entries(node)) {
        walk(v, liveMap && Object.hasOwn(liveMap, k) ? liveMap[k] : undefined, [...at, k]);
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => {
        const itemAt = [...at, i];
        const itemPointer = toPointer(itemAt);
        if (!touched.has(itemPointer)) {
          // A whole item no one owns (an injected sidecar): keep it only where live has it.
          const inLive = Array.isArray(liveNode) && liveNode.some((l) => jsonEqual(l, item));
          if (!inLive) edits.push({ op: 'remove', at: itemAt });
          return;
        }
        // The live item is the one the owning manager's key names.
        const by = owned.find(
          (o) => o.at.length > at.length && toPointer(o.at.slice(0, at.length + 1)) === itemPointer,
        );
        const liveAt = by ? resolveFieldPath(live, by.path.slice(0, at.length + 1)) : undefined;
        walk(item, liveAt ? getAt(live, liveAt) : undefined, itemAt);
      });
    }
  };
  const out = cloneJson(predicted);
  walk(out, live, []);
  for (const e of edits) {
    if (e.op !== 'set') continue;
    const parent = getAt(out, e.at.slice(0, -1));
    const last = e.at[e.at.length - 1] as PathSegment;
    if (Array.isArray(parent)) parent[last as number] = e.value;
    else if (isRecord(parent)) parent[String(last)] = e.value;
  }
  const removals = edits.filter((e) => e.op === 'remove').map((e) => e.at);
  for (const at of removals.sort(removalOrder)) removeAt(out, at);
  return out;
}
