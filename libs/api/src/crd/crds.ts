import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import {
  API_VERSION,
  APPLICATION,
  APPLICATION_SET,
  APP_PROJECT,
  CATEGORY,
  GROUP,
  VERSION,
} from '../group.js';
import { Application } from '../schema/application.js';
import { AppProject } from '../schema/app-project.js';
import { ApplicationSet } from '../schema/application-set.js';
import { toStructural, type JSONSchemaProps } from './structural.js';

/** A printer column of `kubectl get`. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition fields Flotilla sets. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

/** The `kubectl get fapp` columns. */
export const APPLICATION_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  {
    name: 'Sync',
    type: 'string',
    jsonPath: '.status.sync.status',
    description: 'Synced, OutOfSync or Unknown.',
  },
  {
    name: 'Health',
    type: 'string',
    jsonPath: '.status.health.status',
    description: 'Healthy, Suspended, Progressing, Missing, Degraded or Unknown.',
  },
  {
    name: 'Revision',
    type: 'string',
    jsonPath: '.status.sync.revision',
    description: 'Revision compared against.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

function rootSchema(schema: TSchema, kind: string): JSONSchemaProps {
  const root = toStructural(schema);
  const properties = root.properties ?? {};
  // The apiserver owns apiVersion, kind and metadata; a CRD may not constrain them further.
  properties['apiVersion'] = {
    description: `APIVersion of the object: ${API_VERSION}.`,
    type: 'string',
  };
  properties['kind'] = { description: `Kind of the object: ${kind}.`, type: 'string' };
  properties['metadata'] = { type: 'object' };
  return { ...root, required: ['metadata', 'spec'], properties };
}

function crd(
  names: typeof APPLICATION | typeof APP_PROJECT | typeof APPLICATION_SET,
  schema: TSchema,
  columns?: readonly PrinterColumn[],
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': names.plural, 'app.kubernetes.io/part-of': 'flotilla' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          ...(columns ? { additionalPrinterColumns: columns.map((c) => ({ ...c })) } : {}),
          schema: { openAPIV3Schema: rootSchema(schema, names.kind) },
        },
      ],
    },
  };
}

/** The CustomResourceDefinition of Application, generated from its TypeBox schema. */
export function applicationCrd(): CustomResourceDefinition {
  return crd(APPLICATION, Application, APPLICATION_PRINTER_COLUMNS);
}

/** The CustomResourceDefinition of AppProject, generated from its TypeBox schema. */
export function appProjectCrd(): CustomResourceDefinition {
  return crd(APP_PROJECT, AppProject);
}

/** The `kubectl get fappset` columns. */
export const APPLICATION_SET_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  {
    name: 'Up-To-Date',
    type: 'string',
    jsonPath: ".status.conditions[?(@.type=='ResourcesUpToDate')].status",
    description: 'True when every generated Application matches the template.',
  },
  {
    name: 'Error',
    type: 'string',
    jsonPath: ".status.conditions[?(@.type=='ErrorOccurred')].reason",
    description: 'Why the last reconcile failed, if it did.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/** The CustomResourceDefinition of ApplicationSet, generated from its TypeBox schema. */
export function applicationSetCrd(): CustomResourceDefinition {
  return crd(APPLICATION_SET, ApplicationSet, APPLICATION_SET_PRINTER_COLUMNS);
}

/** Every CRD Flotilla needs, in the order to install them. */
export function allCrds(): CustomResourceDefinition[] {
  return [applicationCrd(), appProjectCrd(), applicationSetCrd()];
}

const HEADER =
  '# Generated from the TypeBox schemas in libs/api/src/schema by libs/api/scripts/gen-crds.ts.\n# Do not edit; run `npx tsx libs/api/scripts/gen-crds.ts`.\n';

/** The YAML of a CRD as committed under deploy/crds (stable under Prettier). */
export function crdYaml(def: CustomResourceDefinition): string {
  return HEADER + stringify(def, { lineWidth: 0, singleQuote: true });
}

/** File name of a CRD under deploy/crds: `<plural>.<group>.yaml`. */
export function crdFileName(def: CustomResourceDefinition): string {
  return `${def.metadata.name}.yaml`;
}
