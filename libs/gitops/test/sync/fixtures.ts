// Shared helpers for the sync tests: Argo CD's example manifests, small object
// builders, a discovery stub and result builders.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { sharedCompat } from '../compat.js';
import {
  planSync,
  type PlanResource,
  type SyncObject,
  type SyncPlan,
  type SyncPlanOptions,
  type SyncTask,
} from '../../src/sync/index.js';

/** The revision every plan test syncs to. */
export const REVISION = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
/** When every test operation started: 2024-01-02T03:04:05Z. */
export const STARTED_AT = new Date('2024-01-02T03:04:05Z');
/** {@link STARTED_AT} in Unix seconds, as hook names carry it. */
export const STARTED_UNIX = 1704164645;

/** Parses every document of a file of Argo CD's example apps (`shared/compat`). */
export function exampleAll(path: string): SyncObject[] {
  const text = readFileSync(sharedCompat('argocd-example-apps', path), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as SyncObject | null)
    .filter((d): d is SyncObject => d !== null);
}

const SCOPES: Record<string, boolean> = {
  '/Namespace': false,
  '/ConfigMap': true,
  '/Secret': true,
  '/Service': true,
  '/ServiceAccount': true,
  '/Pod': true,
  'apps/Deployment': true,
  'apps/ReplicaSet': true,
  'batch/Job': true,
  'rbac.authorization.k8s.io/ClusterRole': false,
  'rbac.authorization.k8s.io/Role': true,
  'apiextensions.k8s.io/CustomResourceDefinition': false,
};

/** Discovery of a small cluster: core kinds, apps, batch, RBAC and CRDs; nothing custom. */
export function isNamespaced(group: string, kind: string): boolean | undefined {
  return SCOPES[`${group}/${kind}`];
}

/** A minimal object with optional annotations and extra metadata. */
export function obj(
  apiVersion: string,
  kind: string,
  name: string,
  annotations: Record<string, string> = {},
  metadata: Record<string, unknown> = {},
): SyncObject {
  const meta: Record<string, unknown> = { ...metadata };
  if (name !== '') meta['name'] = name;
  if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
  return { apiVersion, kind, metadata: meta };
}

/** A ConfigMap. */
export const cm = (name: string, ann: Record<string, string> = {}) =>
  obj('v1', 'ConfigMap', name, ann);
/** A Job. */
export const job = (name: string, ann: Record<string, string> = {}) =>
  obj('batch/v1', 'Job', name, ann);
/** A Deployment. */
export const deploy = (name: string, ann: Record<string, string> = {}) =>
  obj('apps/v1', 'Deployment', name, ann);

/** Wraps objects as plan resources. */
export function resources(...objects: SyncObject[]): PlanResource[] {
  return objects.map((object) => ({ object }));
}

/** Plans with the test revision, start time, namespace `app` and discovery. */
export function plan(
  desired: readonly SyncObject[],
  live: readonly SyncObject[] = [],
  options: Partial<SyncPlanOptions> = {},
): SyncPlan {
  return planSync({
    desired: resources(...desired),
    live: resources(...live),
    options: {
      operationStartedAt: STARTED_AT,
      revision: REVISION,
      destinationNamespace: 'app',
      isNamespaced,
      ...options,
    },
  });
}

/** `phase/wave type Kind/name` for every task, in order: what a user sees run. */
export function order(p: SyncPlan): string[] {
  return p.tasks.map((t) => `${t.phase}/${t.wave} ${t.type} ${t.key.kind}/${t.name}`);
}

/** `phase/wave: Kind/name, ...` per step. */
export function stepsOf(p: SyncPlan): string[] {
  return p.steps.map(
    (s) => `${s.phase}/${s.wave}: ${s.tasks.map((t) => `${t.key.kind}/${t.name}`).join(', ')}`,
  );
}

/** The task for `Kind/name`, failing the test when there is none. */
export function taskOf(p: SyncPlan, kind: string, name: string): SyncTask {
  const task = [...p.tasks, ...p.syncFailTasks].find((t) => t.key.kind === kind && t.name === name);
  if (!task) throw new Error(`no task for ${kind}/${name}`);
  return task;
}
