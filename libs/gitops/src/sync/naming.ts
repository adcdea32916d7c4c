// Names for hooks that only have `metadata.generateName`. The name must be the
// same every time one operation plans, so a retried or resumed step finds the
// hook it already created instead of making another.
import type { SyncPhase } from '@flotilla/api';
import { metaString, type DeletionHookType, type KubeObject } from '../resource/index.js';

/**
 * `metadata.name` when set; otherwise `generateName` +
 * `<rev[0:7]>-<phase>-<start unix seconds>`, lowercased, as gitops-engine names
 * it. A revision shorter than 8 characters is used whole.
 */
export function hookObjectName(
  obj: KubeObject,
  revision: string,
  phase: SyncPhase | DeletionHookType,
  startedAtUnix: number,
): string {
  const name = metaString(obj, 'name');
  if (name !== '') return name;
  const rev = revision.length >= 8 ? revision.slice(0, 7) : revision;
  const postfix = `${rev}-${phase}-${startedAtUnix}`.toLowerCase();
  return `${metaString(obj, 'generateName')}${postfix}`;
}

/** Seconds since the epoch (as Go's `Unix()`) of a Date, an ISO time, or milliseconds as from `Date.now()`. */
export function unixSeconds(at: Date | string | number): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  return Math.floor(ms / 1000);
}
