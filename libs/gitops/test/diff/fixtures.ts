import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AppDiffInput, DiffObject, IsNamespaced } from '../../src/diff/index.js';

/** The app every test deploys: `flotilla/shop`, into namespace `shop`. */
export const APP = { namespace: 'flotilla', name: 'shop' } as const;

/** Parses the documents of a YAML file under testdata. */
export function testdataAll(name: string): DiffObject[] {
  const text = readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON() as DiffObject);
}

/** Parses a one-document YAML file under testdata. */
export function testdata(name: string): Record<string, any> {
  const [doc] = testdataAll(name);
  if (!doc) throw new Error(`${name} is empty`);
  return doc as Record<string, any>;
}

const SCOPES: Record<string, boolean> = {
  '/ConfigMap': true,
  '/Secret': true,
  '/Service': true,
  '/Namespace': false,
  'apps/Deployment': true,
  'apps/ReplicaSet': true,
  'batch/Job': true,
  'rbac.authorization.k8s.io/ClusterRole': false,
  'rbac.authorization.k8s.io/Role': true,
  'apiextensions.k8s.io/CustomResourceDefinition': false,
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': false,
};

/** Discovery of a small cluster: core kinds, apps, batch, RBAC and CRDs; nothing custom. */
export const isNamespaced: IsNamespaced = (group, kind) => SCOPES[`${group}/${kind}`];

/** An AppDiffInput for APP with destination namespace `shop`. */
export function appInput(
  desired: readonly DiffObject[],
  live: readonly DiffObject[],
  extra: Partial<AppDiffInput> = {},
): AppDiffInput {
  return { app: APP, destinationNamespace: 'shop', desired, live, isNamespaced, ...extra };
}

/** A ConfigMap, optionally with a namespace and annotations. */
export function configMap(
  name: string,
  data: Record<string, string>,
  meta: { namespace?: string; annotations?: Record<string, string> } = {},
): Record<string, any> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...meta }, data };
}

/** `flotilla.dev/tracking-id` of APP for a namespaced resource. */
export function tracked(group: string, kind: string, namespace: string, name: string) {
  return { 'flotilla.dev/tracking-id': `flotilla_shop:${group}/${kind}:${namespace}/${name}` };
}
