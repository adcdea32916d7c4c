// One reading of everything a resource's annotations tell sync planning.
import type { SyncPhase } from '@flotilla/api';
import {
  FlotillaAnnotation,
  annotationsOf,
  compareOptionsOf,
  hookRoleOf,
  type CompareOptions,
  type DeletionHookType,
  type HookDeletePolicy,
  type KubeObject,
  type ResourceRole,
} from '../resource/index.js';
import { deletePoliciesOf } from './delete-policy.js';
import { formatGoDuration, parseGoDuration } from './duration.js';
import { resourceSyncOptions, type ParsedSyncOptions } from './sync-options.js';
import { readSyncWave } from './waves.js';

/** The default hook timeout: five minutes. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;

/** What a resource's annotations say, read once. */
export interface ResourceAnnotations {
  readonly role: ResourceRole;
  /** Sync phases of a hook, in phase order; empty for anything else. */
  readonly phases: readonly SyncPhase[];
  readonly deletionHooks: readonly DeletionHookType[];
  readonly wave: number;
  /** Delete policies; meaningful for hooks only. */
  readonly deletePolicies: readonly HookDeletePolicy[];
  readonly syncOptions: ParsedSyncOptions;
  readonly compareOptions: CompareOptions;
  /** How long a hook may run; undefined when `flotilla.dev/hook-timeout` turns it off. */
  readonly hookTimeoutMs: number | undefined;
  /** Annotations that could not be read, for people. */
  readonly warnings: readonly string[];
}

/**
 * Reads the annotations of `obj`. `flotilla.dev/hook-timeout` is a Go duration;
 * "0" (or any non-positive value) means no timeout; an unreadable one falls back
 * to the default and is reported.
 */
export function readResourceAnnotations(
  obj: KubeObject,
  defaultHookTimeoutMs: number = DEFAULT_HOOK_TIMEOUT_MS,
): ResourceAnnotations {
  const hook = hookRoleOf(obj);
  const wave = readSyncWave(obj);
  const syncOptions = resourceSyncOptions(obj);
  const compareOptions = compareOptionsOf(obj);
  const warnings: string[] = [];
  if (wave.warning) warnings.push(wave.warning);
  for (const item of syncOptions.unknown) warnings.push(`unknown sync option "${item}"`);
  for (const item of compareOptions.unknown) warnings.push(`unknown compare option "${item}"`);

  let hookTimeoutMs: number | undefined = defaultHookTimeoutMs;
  const timeout = annotationsOf(obj)[FlotillaAnnotation.HookTimeout];
  if (timeout !== undefined) {
    const ms = parseGoDuration(timeout);
    if (ms === undefined) {
      warnings.push(
        `hook-timeout "${timeout}" is not a duration; using ${formatGoDuration(defaultHookTimeoutMs)}`,
      );
    } else hookTimeoutMs = ms > 0 ? ms : undefined;
  }
  return {
    role: hook.role,
    phases: hook.phases,
    deletionHooks: hook.deletionHooks,
    wave: wave.wave,
    deletePolicies: deletePoliciesOf(obj),
    syncOptions,
    compareOptions,
    hookTimeoutMs,
    warnings,
  };
}
