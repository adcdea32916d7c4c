import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  allCrds,
  appProjectCrd,
  applicationCrd,
  crdFileName,
  crdYaml,
  rulesOf,
  type JSONSchemaProps,
} from '../src/index.js';

const crdsDir = join(import.meta.dirname, '../../../deploy/crds');
const schemaOf = (crd = applicationCrd()) => crd.spec.versions[0]!.schema.openAPIV3Schema;

/** Every schema node with its path. */
function* nodes(node: JSONSchemaProps, path = ''): Generator<[string, JSONSchemaProps]> {
  yield [path, node];
  for (const [k, v] of Object.entries(node.properties ?? {})) yield* nodes(v, `${path}.${k}`);
  if (node.items) yield* nodes(node.items, `${path}[]`);
  if (node.additionalProperties) yield* nodes(node.additionalProperties, `${path}.*`);
}

/** Follows a dotted path (`[]` for list items) to a schema node. */
function at(path: string, crd = applicationCrd()): JSONSchemaProps {
  const node = [...nodes(schemaOf(crd))].find(([p]) => p === path)?.[1];
  if (!node) throw new Error(`no schema node at ${path}`);
  return node;
}

describe('the generated CRDs', () => {
  it('name the resources as kubectl users expect', () => {
    const app = applicationCrd();
    expect(app.metadata.name).toBe('applications.flotilla.dev');
    expect(app.spec.scope).toBe('Namespaced');
    expect(app.spec.names).toMatchObject({
      kind: 'Application',
      plural: 'applications',
      singular: 'application',
      shortNames: ['fapp'],
      categories: ['flotilla'],
    });
    expect(appProjectCrd().spec.names).toMatchObject({
      kind: 'AppProject',
      plural: 'appprojects',
      shortNames: ['fproj'],
      categories: ['flotilla'],
    });
    for (const crd of allCrds()) expect(crd.spec.versions[0]!.subresources).toEqual({ status: {} });
  });

  it('print Sync, Health, Revision and Age columns for Applications', () => {
    const columns = applicationCrd().spec.versions[0]!.additionalPrinterColumns;
    expect(columns?.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Sync', '.status.sync.status'],
      ['Health', '.status.health.status'],
      ['Revision', '.status.sync.revision'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it.each(allCrds().map((c) => [c.metadata.name, c] as const))(
    '%s is a structural schema',
    (_, crd) => {
      const text = JSON.stringify(crd);
      expect(text).not.toContain('"additionalProperties":false');
      expect(text).not.toContain('$id');
      expect(text).not.toContain('$schema');
      expect(text).not.toContain('patternProperties');
      for (const [path, node] of nodes(schemaOf(crd))) {
        const typed =
          node.type !== undefined ||
          node['x-kubernetes-int-or-string'] === true ||
          node['x-kubernetes-preserve-unknown-fields'] === true;
        expect(typed, `${path} has a type`).toBe(true);
        if (node.properties && node.additionalProperties)
          throw new Error(`${path}: both properties and additionalProperties`);
        if (node.anyOf) expect(node['x-kubernetes-int-or-string'], path).toBe(true);
      }
    },
  );

  it.each(allCrds().map((c) => [c.metadata.name, c] as const))(
    '%s describes every field, for kubectl explain',
    (_, crd) => {
      const undocumented = [...nodes(schemaOf(crd))]
        .filter(([path]) => /\.[A-Za-z]+$/.test(path))
        .filter(([path]) => path !== '.metadata')
        .filter(([, node]) => !node.description)
        .map(([path]) => path);
      expect(undocumented).toEqual([]);
    },
  );

  it('makes every list in status atomic, so one manager owns each whole list', () => {
    const lists = [...nodes(at('.status'))].filter(([, n]) => n.type === 'array');
    expect(lists.length).toBeGreaterThan(10);
    for (const [path, node] of lists) expect(node['x-kubernetes-list-type'], path).toBe('atomic');
  });

  it('maps maps, int-or-strings and free-form values the Kubernetes way', () => {
    expect(at('.spec.source.kustomize.commonLabels').additionalProperties).toEqual({
      type: 'string',
    });
    expect(at('.spec.source.kustomize.patches[].options').additionalProperties).toEqual({
      type: 'boolean',
    });
    expect(at('.spec.source.kustomize.replicas[].count')).toMatchObject({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
    expect(at('.spec.source.helm.valuesObject')).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(at('.status.sync.status').enum).toEqual(['Synced', 'OutOfSync', 'Unknown']);
    expect(at('.status.operationState.startedAt').format).toBe('date-time');
    expect(at('.spec.syncPolicy.retry.limit')).toMatchObject({ type: 'integer', format: 'int64' });
  });

  it('carries the cross-field rules as CEL, each with a TypeScript twin', () => {
    expect(at('.spec')['x-kubernetes-validations']).toEqual([
      {
        rule: 'has(self.source) != (has(self.sources) && size(self.sources) > 0)',
        message: 'exactly one of source or sources must be set',
      },
    ]);
    expect(at('.spec.destination')['x-kubernetes-validations']?.[0]?.message).toBe(
      'destination must set either server or name, not both',
    );
    for (const crd of allCrds()) {
      for (const [path, node] of nodes(schemaOf(crd))) {
        const rules = node['x-kubernetes-validations'] ?? [];
        if (path.startsWith('.status')) expect(rules, path).toEqual([]);
        // Throws for a CEL rule that validate*() would not check.
        expect(rulesOf(node as never).map((r) => r.message)).toEqual(rules.map((r) => r.message));
      }
    }
  });

  it.each(allCrds().map((c) => [crdFileName(c), c] as const))(
    'deploy/crds/%s is up to date (run npx tsx libs/api/scripts/gen-crds.ts)',
    (file, crd) => {
      expect(readFileSync(join(crdsDir, file), 'utf8')).toBe(crdYaml(crd));
    },
  );

  it('writes YAML that Prettier leaves alone', { timeout: 60_000 }, async () => {
    for (const crd of allCrds()) {
      const text = crdYaml(crd);
      expect(await format(text, { parser: 'yaml', singleQuote: true, printWidth: 100 })).toBe(text);
    }
  });
});
