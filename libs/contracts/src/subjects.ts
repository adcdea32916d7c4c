import type { AppRef } from './app-ref.js';

/** Stream names. */
export const Streams = {
  /** Work-queue stream of commands; each message is consumed once. */
  Work: 'FLOTILLA_WORK',
  /** Limits-retention event log (and dead letters) for other tooling to read. */
  Events: 'FLOTILLA_EVENTS',
} as const;

/** The kinds of work, one durable consumer each. */
export const WorkKind = {
  Render: 'render',
  Diff: 'diff',
  Sync: 'sync',
  Hook: 'hook',
  /** Generate an ApplicationSet's Applications (its ref goes in `app`). */
  AppSet: 'appset',
} as const;
/** One kind of work. */
export type WorkKind = (typeof WorkKind)[keyof typeof WorkKind];

/** Every work kind, in pipeline order. */
export const WORK_KINDS: readonly WorkKind[] = Object.values(WorkKind);

/** Prefixes of the subject spaces. */
export const SubjectRoots = {
  work: 'flotilla.work',
  events: 'flotilla.events',
  deadLetter: 'flotilla.deadletter',
} as const;

/** `flotilla.work.<kind>.<app-namespace>.<app-name>` */
export function workSubject(kind: WorkKind, app: AppRef): string {
  return `${SubjectRoots.work}.${kind}.${app.namespace}.${app.name}`;
}

/** Filter matching every command of one kind. */
export function workFilter(kind: WorkKind): string {
  return `${SubjectRoots.work}.${kind}.>`;
}

/** `flotilla.events.<app-namespace>.<app-name>.<category>.<action>` */
export function eventSubject(app: AppRef, category: string, action: string): string {
  return `${SubjectRoots.events}.${app.namespace}.${app.name}.${category}.${action}`;
}

/** `flotilla.deadletter.<kind>`: where poison messages of one work kind (or of the notifier, `notify`) end up. */
export function deadLetterSubject(kind: string): string {
  return `${SubjectRoots.deadLetter}.${kind}`;
}
