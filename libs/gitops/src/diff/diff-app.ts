// The entry point of the diff: pair, compare each resource, summarise.
import { compareResource, extraneous } from './compare.js';
import { compileDiffOptions, type CompiledDiffOptions, type DiffOptions } from './options.js';
import { pairResources, type PairedResource, type PairingInput } from './pairing.js';
import { summarizeDiff, type AppDiffSummary } from './summary.js';
import { ResourceDiffStatus, type ResourceDiff, type ServerSideDryRun } from './types.js';

/** What {@link diffApp} compares: the app, its manifests, live state and cluster knowledge. */
export interface AppDiffInput extends Omit<PairingInput, 'tracking'> {
  /** Server-side dry runs; every comparison is structural unless set. */
  readonly serverSideDryRun?: ServerSideDryRun;
}

/** Every resource's outcome and the app's verdict. */
export interface AppDiff {
  readonly resources: readonly ResourceDiff[];
  readonly summary: AppDiffSummary;
}

/**
 * Compares an app's desired objects with live ones. Never throws for one
 * resource's trouble: that resource reports Error and the others still diff.
 */
export async function diffApp(
  input: AppDiffInput,
  options: DiffOptions | CompiledDiffOptions = {},
): Promise<AppDiff> {
  const o = compileDiffOptions(options);
  const pairing = pairResources({ ...input, tracking: o.tracking });
  const resources = await mapLimited(pairing.resources, o.concurrency, (entry) =>
    outcome(entry, input, o),
  );
  return { resources, summary: summarizeDiff(resources, pairing.conditions) };
}

function outcome(
  entry: PairedResource,
  input: AppDiffInput,
  o: CompiledDiffOptions,
): Promise<ResourceDiff> | ResourceDiff {
  switch (entry.role) {
    case 'compare': {
      const dryRun = entry.kindKnown ? input.serverSideDryRun : undefined;
      return compareResource(entry.key, entry.desired, entry.live, o, dryRun);
    }
    case 'extraneous':
      return extraneous(entry.key, entry.live, o, entry.ignoreExtraneous, entry.pruneBlocked);
    case 'shared':
      return {
        key: entry.key,
        status: ResourceDiffStatus.Shared,
        message: `tracked by application ${entry.owner.namespace}/${entry.owner.name}; neither compared nor pruned`,
        changedPaths: [],
        diff: '',
        owner: entry.owner,
      };
    case 'error':
      return {
        key: entry.key,
        status: ResourceDiffStatus.Error,
        message: entry.message,
        changedPaths: [],
        diff: '',
      };
  }
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R> | R,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
