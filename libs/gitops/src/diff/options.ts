import { RESOURCE_FIELD_MANAGER, type ResourceIgnoreDifferences } from '@flotilla/api';
import { defaultJqRunner, type JqRunner } from './jq/runner.js';
import type { NormalizeOptions, StatusFieldPolicy } from './normalize.js';
import type { TrackingOptions } from './tracking.js';

/** How the diff normalises and compares; every field is optional. */
export interface DiffOptions extends NormalizeOptions {
  /** The app's `spec.ignoreDifferences` (and any system-wide entries); none unless set. */
  readonly ignoreDifferences?: readonly ResourceIgnoreDifferences[];
  /** The jq sandbox for `jqPathExpressions`; a shared one with default bounds unless set. */
  readonly jq?: JqRunner;
  /** How Argo CD tracking ids are read. */
  readonly tracking?: TrackingOptions;
  /** Field manager of Flotilla's server-side applies; `flotilla` unless set. */
  readonly fieldManager?: string;
  /** Context lines in the unified diff; 3 unless set. */
  readonly contextLines?: number;
  /** Resources compared at once (each may wait on a dry run); 8 unless set. */
  readonly concurrency?: number;
}

/** {@link DiffOptions} with every default filled in. */
export interface CompiledDiffOptions {
  readonly ignoreResourceStatusField: StatusFieldPolicy;
  readonly ignoreAggregatedRoles: boolean;
  readonly ignoreDifferences: readonly ResourceIgnoreDifferences[];
  /** The sandbox, started only when an expression needs it. */
  readonly jq: () => JqRunner;
  readonly tracking: TrackingOptions;
  readonly fieldManager: string;
  readonly contextLines: number;
  readonly concurrency: number;
}

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}`);
  return v;
}

/** Fills in the defaults of {@link DiffOptions}; compiled options pass through unchanged. */
export function compileDiffOptions(
  options: DiffOptions | CompiledDiffOptions = {},
): CompiledDiffOptions {
  if (typeof options.jq === 'function') return options as CompiledDiffOptions;
  const o = options as DiffOptions;
  const runner = o.jq;
  const policy = o.ignoreResourceStatusField ?? 'all';
  if (!['all', 'crd', 'none'].includes(policy)) {
    throw new RangeError('ignoreResourceStatusField must be all, crd or none');
  }
  return {
    ignoreResourceStatusField: policy,
    ignoreAggregatedRoles: o.ignoreAggregatedRoles ?? false,
    ignoreDifferences: [...(o.ignoreDifferences ?? [])],
    jq: () => runner ?? defaultJqRunner(),
    tracking: { ...o.tracking },
    fieldManager: o.fieldManager ?? RESOURCE_FIELD_MANAGER,
    contextLines: count('contextLines', o.contextLines, 3, 0),
    concurrency: count('concurrency', o.concurrency, 8, 1),
  };
}
