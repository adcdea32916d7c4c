// Names for hooks that only have `metadata.generateName`. The name must be the
// same every time one operation plans, so a retried or resumed step finds the
// hook it already created instead of making another.
import { createHash } from 'node:crypto';
import type { SyncPhase } from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import { metaString, type DeletionHookType, type KubeObject } from '../resource/index.js';

/**
 * `metadata.name` when set; otherwise `generateName` +
 * `<rev[0:7]>-<phase>-<start unix seconds>`, lowercased, as gitops-engine names
 * it, and, when `app` is given, `-<appHash(app)>`: two apps (say `team-a/shop`
 * and `team-b/shop` from one template) whose hooks land in one namespace in the
 * same second at the same revision get two hooks, not one they both take for
 * theirs. A revision shorter than 8 characters is used whole.
 */
export function hookObjectName(
  obj: KubeObject,
  revision: string,
  phase: SyncPhase | DeletionHookType,
  startedAtUnix: number,
  app?: AppRef,
): string {
  const name = metaString(obj, 'name');
  if (name !== '') return name;
  const rev = revision.length >= 8 ? revision.slice(0, 7) : revision;
  const owner = app ? `-${appHash(app)}` : '';
  const postfix = `${rev}-${phase}-${startedAtUnix}${owner}`.toLowerCase();
  return `${metaString(obj, 'generateName')}${postfix}`;
}

/**
 * Six hex characters that tell one Application from another (its namespace and
 * name), for names that must not collide between apps: short enough for a
 * Job's 63-character label limit, and a chance of one in 16 million that two
 * given apps share it.
 */
export function appHash(app: AppRef): string {
  return createHash('sha256').update(`${app.namespace}/${app.name}`).digest('hex').slice(0, 6);
}

/** Seconds since the epoch (as Go's `Unix()`) of a Date, an ISO time, or milliseconds as from `Date.now()`. */
export function unixSeconds(at: Date | string | number): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  return Math.floor(ms / 1000);
}
