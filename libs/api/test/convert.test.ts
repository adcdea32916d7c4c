import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  convertArgoManifest,
  convertArgoYaml,
  isManifestParseError,
  toArgoManifest,
  validateApplication,
} from '../src/index.js';
import { testdata } from './fixtures.js';

const argoApp = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'guestbook', namespace: 'argocd' },
  spec: {
    project: 'default',
    destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
    source: { repoURL: 'https://github.com/argoproj/argocd-example-apps', path: 'guestbook' },
    ...spec,
  },
  ...extra,
});

describe('convertArgoManifest', () => {
  it('keeps every supported field of a rich Application: converting back gives the original', () => {
    const argo = testdata('argo-application.yaml');
    const { object, converted } = convertArgoManifest(argo);
    expect(converted).toBe(true);
    expect(object).toMatchObject({
      apiVersion: 'flotilla.dev/v1alpha1',
      metadata: {
        namespace: 'flotilla',
        finalizers: ['resources-finalizer.flotilla.dev/background', 'example.com/keep'],
      },
    });
    const expected = structuredClone(argo);
    delete expected['status'];
    delete expected['spec']['sourceHydrator'];
    delete expected['spec']['sources'][2]['kustomize']['kubeVersion'];
    delete expected['spec']['sources'][3]['directory']['jsonnet'];
    delete expected['spec']['sources'][4]['plugin'];
    delete expected['operation']['sync']['manifests'];
    expect(toArgoManifest(object as Record<string, unknown>)).toEqual(expected);
  });

  it('names every field it drops, and why', () => {
    const { warnings } = convertArgoManifest(testdata('argo-application.yaml'));
    expect(warnings).toEqual([
      'status: dropped, status is written by Flotilla',
      'spec.sources[2].kustomize.kubeVersion: dropped, kustomize’s Helm inflation settings are not supported',
      'spec.sources[3].directory.jsonnet: dropped, Jsonnet is not supported',
      'spec.sources[4].plugin: dropped, config management plugins are not supported; the source is rendered from its files as Helm, Kustomize or plain manifests',
      'spec.sourceHydrator: dropped, source hydration is not supported',
      'operation.sync.manifests: dropped, syncing local manifests is not supported',
    ]);
  });

  it('drops unknown fields anywhere, naming the path', () => {
    const { object, warnings } = convertArgoManifest(
      argoApp({ extra: 1 }, { syncPolicy: { automated: { prune: true, pruneEverything: true } } }),
    );
    expect(warnings).toEqual([
      'extra: dropped, not a field of flotilla.dev/v1alpha1 Application',
      'spec.syncPolicy.automated.pruneEverything: dropped, not a field of flotilla.dev/v1alpha1 Application',
    ]);
    expect(validateApplication(object).ok).toBe(true);
  });

  it('converts a rich AppProject without losing anything', () => {
    const argo = testdata('argo-appproject.yaml');
    const { object, warnings } = convertArgoManifest(argo);
    expect(warnings).toEqual([]);
    expect(object).toMatchObject({
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'AppProject',
      metadata: { namespace: 'flotilla', finalizers: ['resources-finalizer.flotilla.dev'] },
    });
    expect(toArgoManifest(object as Record<string, unknown>)).toEqual(argo);
  });

  it.each([
    ['resources-finalizer.argocd.argoproj.io', 'resources-finalizer.flotilla.dev'],
    [
      'resources-finalizer.argocd.argoproj.io/foreground',
      'resources-finalizer.flotilla.dev/foreground',
    ],
    [
      'resources-finalizer.argocd.argoproj.io/background',
      'resources-finalizer.flotilla.dev/background',
    ],
    ['post-delete-finalizer.argocd.argoproj.io', 'post-delete-finalizer.flotilla.dev'],
    [
      'post-delete-finalizer.argocd.argoproj.io/cleanup',
      'post-delete-finalizer.flotilla.dev/cleanup',
    ],
    ['example.com/other', 'example.com/other'],
  ])('maps the finalizer %s to %s', (from, to) => {
    const { object } = convertArgoManifest(
      argoApp({ metadata: { name: 'a', finalizers: [from] } }),
    );
    expect((object as any).metadata.finalizers).toEqual([to]);
  });

  it('moves objects out of the argocd namespace unless told to keep it', () => {
    const ns = (o: unknown) => (o as any).metadata.namespace as string | undefined;
    expect(ns(convertArgoManifest(argoApp()).object)).toBe('flotilla');
    expect(ns(convertArgoManifest(argoApp(), { namespace: 'cd' }).object)).toBe('cd');
    expect(ns(convertArgoManifest(argoApp(), { keepNamespace: true }).object)).toBe('argocd');
    const teamApp = argoApp({ metadata: { name: 'a', namespace: 'team-a' } });
    expect(ns(convertArgoManifest(teamApp).object)).toBe('team-a');
    const custom = argoApp({ metadata: { name: 'a', namespace: 'gitops' } });
    expect(ns(convertArgoManifest(custom, { argoNamespace: 'gitops' }).object)).toBe('flotilla');
  });

  it('keeps labels and annotations, and drops what the apiserver or kubectl wrote', () => {
    const metadata = {
      name: 'a',
      namespace: 'argocd',
      labels: { team: 'x' },
      annotations: {
        'argocd.argoproj.io/sync-wave': '1',
        'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"argoproj.io/v1alpha1"}',
      },
      uid: 'abc',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'argocd-server' }],
      ownerReferences: [
        { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: 's', uid: 'u' },
      ],
    };
    const { object, warnings } = convertArgoManifest(argoApp({ metadata }));
    expect((object as any).metadata).toEqual({
      name: 'a',
      namespace: 'flotilla',
      labels: { team: 'x' },
      annotations: { 'argocd.argoproj.io/sync-wave': '1' },
    });
    expect(warnings).toEqual([
      'metadata.ownerReferences: dropped, it points at Argo CD objects, and garbage collection would delete the converted object',
      'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]: dropped, it records the Argo CD manifest',
    ]);
  });

  it('keeps sources when both source and sources are set, as Argo CD syncs sources', () => {
    const sources = [{ repoURL: 'https://git.example.com/a.git', path: 'a' }];
    const { object, warnings } = convertArgoManifest(argoApp({}, { sources }));
    expect((object as any).spec.source).toBeUndefined();
    expect((object as any).spec.sources).toEqual(sources);
    expect(warnings).toEqual([
      'spec.source: dropped, spec.sources is set and Argo CD ignores source then',
    ]);
  });

  it('syncs the hydrated branch of an app that only has a source hydrator', () => {
    const sourceHydrator = {
      drySource: {
        repoURL: 'https://git.example.com/dry.git',
        targetRevision: 'main',
        path: 'app',
      },
      syncSource: { targetBranch: 'env/prod', path: 'app-prod' },
    };
    const { object, warnings } = convertArgoManifest(
      argoApp({}, { source: undefined, sourceHydrator }),
    );
    expect((object as any).spec.source).toEqual({
      repoURL: 'https://git.example.com/dry.git',
      path: 'app-prod',
      targetRevision: 'env/prod',
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe('spec.sourceHydrator: dropped, source hydration is not supported');
    expect(validateApplication(object).ok).toBe(true);
  });

  it('passes other objects through untouched', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'argocd' },
    };
    expect(convertArgoManifest(cm)).toEqual({ object: cm, warnings: [], converted: false });
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 's' },
    };
    const result = convertArgoManifest(rollout);
    expect(result.object).toBe(rollout);
    expect(result.warnings).toEqual([
      'Rollout (argoproj.io/v1alpha1) is not converted; Flotilla has no equivalent',
    ]);
  });

  it('never changes its input', () => {
    const argo = testdata('argo-application.yaml');
    const before = structuredClone(argo);
    convertArgoManifest(argo);
    expect(argo).toEqual(before);
  });
});

describe('convertArgoYaml', () => {
  const stream = `---
# Source: apps/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings # stays as written
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: plugin-app
  namespace: argocd
spec:
  project: default
  destination: { server: https://kubernetes.default.svc, namespace: demo }
  source: { repoURL: https://git.example.com/a.git, path: a, plugin: { name: sops } }
---
---
`;

  it('converts Argo CD documents and leaves the rest as written', () => {
    const result = convertArgoYaml(stream);
    expect(result.documents.map((d) => [d.index, d.converted])).toEqual([
      [0, false],
      [1, true],
    ]);
    expect(result.yaml).toContain('  name: settings # stays as written\n');
    const objects = parseAllDocuments(result.yaml).map((d) => d.toJS());
    expect(objects).toHaveLength(2);
    expect(objects[1]).toMatchObject({
      apiVersion: 'flotilla.dev/v1alpha1',
      metadata: { namespace: 'flotilla' },
      spec: { source: { repoURL: 'https://git.example.com/a.git', path: 'a' } },
    });
    expect(result.warnings).toEqual([
      'Application flotilla/plugin-app: spec.source.plugin: dropped, config management plugins are not supported; the source is rendered from its files as Helm, Kustomize or plain manifests',
    ]);
  });

  it('reports which document is not YAML', () => {
    let error: unknown;
    try {
      convertArgoYaml('a: 1\n---\nb: [unclosed\n');
    } catch (e) {
      error = e;
    }
    expect(isManifestParseError(error)).toBe(true);
    expect((error as { documentIndex: number }).documentIndex).toBe(1);
  });
});
