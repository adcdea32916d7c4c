// Compares one desired object with its live object, server-side when a dry
// run is at hand and structurally otherwise, and reports the outcome as data.
import type { ResourceKey } from '@flotilla/contracts';
import { changedPaths } from './changes.js';
import { isJqError, isManagedFieldsError } from './errors.js';
import { applyIgnoreRules } from './ignore.js';
import { matchIgnoreRules, type IgnoreRuleSet } from './ignore-rules.js';
import { normalizeObject } from './normalize.js';
import { compareOptionsOf, isSecret, jsonEqual, metadataOf } from '../resource/index.js';
import type { CompiledDiffOptions } from './options.js';
import { dropUnappliedFields } from './removed-fields.js';
import { renderDiff } from './render.js';
import { maskSecretValues, redactSecretValues } from './secret.js';
import { mergeDesiredIntoLive } from './structural.js';
import { revertWebhookMutations } from './webhook.js';
import {
  CompareMode,
  ResourceDiffStatus,
  type DiffObject,
  type ResourceDiff,
  type ServerSideDryRun,
} from './types.js';

/** Both sides of one comparison after normalisation and ignore rules. */
export interface ComparedSides {
  /** What live would be after applying desired. */
  readonly target: DiffObject;
  readonly live: DiffObject;
  readonly synced: boolean;
}

/**
 * Normalises both sides, builds the target (the dry-run result when given,
 * else desired laid over live minus fields Flotilla no longer applies), and
 * applies the ignore rules. Rejects on a jq or managedFields failure.
 */
export async function compareSides(
  desired: DiffObject,
  live: DiffObject,
  rules: IgnoreRuleSet,
  o: CompiledDiffOptions,
  predicted?: DiffObject,
): Promise<ComparedSides> {
  const liveNorm = normalizeObject(live, o);
  const managedFields = metadataOf(live)['managedFields'];
  let target: DiffObject;
  if (predicted) {
    target = normalizeObject(predicted, o);
  } else {
    const desiredNorm = normalizeObject(desired, o);
    target = mergeDesiredIntoLive(desiredNorm, liveNorm) as DiffObject;
    dropUnappliedFields(target, desiredNorm, managedFields, o.fieldManager);
  }
  await applyIgnoreRules({ target, live: liveNorm, liveManagedFields: managedFields }, rules, o.jq);
  return { target, live: liveNorm, synced: jsonEqual(target, liveNorm) };
}

/** Compares a desired resource with its live object (or reports it Missing). */
export async function compareResource(
  key: ResourceKey,
  desired: DiffObject,
  live: DiffObject | undefined,
  o: CompiledDiffOptions,
  dryRun?: ServerSideDryRun,
): Promise<ResourceDiff> {
  const rules = matchIgnoreRules(o.ignoreDifferences, key);
  if (!live) return missing(key, desired, rules, o);
  let mode: CompareMode = CompareMode.Structural;
  let predicted: DiffObject | undefined;
  try {
    if (dryRun) predicted = await dryRun(desired, live, key);
  } catch (err) {
    return failed(key, `server-side dry run failed: ${messageOf(err)}`, [desired, live]);
  }
  if (predicted) {
    mode = CompareMode.ServerSide;
    // As in Argo CD, what mutating webhooks change is not drift unless asked for.
    if (compareOptionsOf(desired).includeMutationWebhook !== true)
      predicted = revertWebhookMutations(predicted, live);
  }
  try {
    const sides = await compareSides(desired, live, rules, o, predicted);
    if (sides.synced) return { key, status: 'Synced', changedPaths: [], diff: '', mode };
    const [maskedLive, maskedTarget] = maskSecretValues([sides.live, sides.target]);
    return withDiff(
      {
        key,
        status: ResourceDiffStatus.OutOfSync,
        changedPaths: changedPaths(maskedLive, maskedTarget),
        mode,
      },
      () => renderDiff(key, maskedLive, maskedTarget, o.contextLines),
    );
  } catch (err) {
    return failed(key, ruleFailure(err, isSecret(desired)), [desired, live, predicted]);
  }
}

// The status is Missing whatever the rules say; they only trim what is shown.
async function missing(
  key: ResourceKey,
  desired: DiffObject,
  rules: IgnoreRuleSet,
  o: CompiledDiffOptions,
): Promise<ResourceDiff> {
  const target = normalizeObject(desired, o);
  await applyIgnoreRules({ target, live: undefined }, rules, o.jq).catch(() => undefined);
  const [masked] = maskSecretValues([target]);
  return withDiff({ key, status: ResourceDiffStatus.Missing, changedPaths: [''] }, () =>
    renderDiff(key, undefined, masked, o.contextLines),
  );
}

/**
 * The outcome with its `diff` text made when first read, then kept: the
 * differ's comparisons never read it (they need status and changed paths), and
 * rendering YAML and a unified diff was most of what a first comparison cost.
 * Enumerable, so a copy or JSON of the outcome has the text.
 */
function withDiff(r: Omit<ResourceDiff, 'diff'>, render: () => string): ResourceDiff {
  let text: string | undefined;
  return Object.defineProperty(r, 'diff', {
    enumerable: true,
    get: () => (text ??= render()),
  }) as ResourceDiff;
}

/** The outcome for an Extraneous live object: what pruning it would remove. */
export function extraneous(
  key: ResourceKey,
  live: DiffObject,
  o: CompiledDiffOptions,
  ignoreExtraneous: boolean,
  pruneBlocked?: string,
): ResourceDiff {
  const [masked] = maskSecretValues([normalizeObject(live, o)]);
  return withDiff(
    {
      key,
      status: ResourceDiffStatus.Extraneous,
      changedPaths: [''],
      requiresPruning: pruneBlocked === undefined,
      ...(ignoreExtraneous ? { ignoreExtraneous } : {}),
      ...(pruneBlocked ? { message: pruneBlocked } : {}),
    },
    () => renderDiff(key, masked, undefined, o.contextLines),
  );
}

function failed(
  key: ResourceKey,
  message: string,
  objects: readonly (DiffObject | undefined)[],
): ResourceDiff {
  return {
    key,
    status: ResourceDiffStatus.Error,
    message: redactSecretValues(message, objects),
    changedPaths: [],
    diff: '',
  };
}

// jq's own words can quote the object; for a Secret only ours are used.
function ruleFailure(err: unknown, secret: boolean): string {
  if (isJqError(err)) {
    const detail = !secret && err.detail ? `: ${err.detail.split('\n')[0]}` : '';
    return `ignoreDifferences jqPathExpression ${JSON.stringify(err.expression)}: ${err.message}${detail}`;
  }
  if (isManagedFieldsError(err)) {
    return `ignoreDifferences managedFieldsManagers (${err.manager}): ${err.message}`;
  }
  return `comparison failed: ${messageOf(err)}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
