// The applier's project gate over plain objects: the app first, then each
// object once, with discovery deciding a kind's scope.
import { describe, expect, it } from 'vitest';
import type { Application, AppProjectSpec } from '@flotilla/api';
import { projectGate } from '../src/project-gate.js';

const IN_CLUSTER = { server: 'https://kubernetes.default.svc', name: 'in-cluster' };
const app = (project: string, namespace = 'team-a-dev') =>
  ({
    metadata: { name: 'web', namespace: 'flotilla' },
    spec: {
      project,
      source: { repoURL: 'https://git.example.com/team-a/web.git' },
      destination: { name: 'in-cluster', namespace },
    },
  }) as unknown as Application;
const spec: AppProjectSpec = {
  sourceRepos: ['https://git.example.com/team-a/*'],
  destinations: [{ server: IN_CLUSTER.server, namespace: 'team-a-*' }],
};
const gate = projectGate({
  project: (name) => Promise.resolve(name === 'team-a' ? { name, spec } : undefined),
  controlNamespace: 'flotilla',
  cluster: () => Promise.resolve(IN_CLUSTER),
});
const scope = (g: string, k: string) =>
  k === 'ClusterRole' ? false : k === 'ConfigMap' ? true : undefined;

describe('projectGate', () => {
  it('refuses a missing project and a refused destination before looking at objects', async () => {
    expect((await gate(app('nope'), [], scope)).map((d) => d.rule)).toEqual(['project']);
    const denials = await gate(app('team-a', 'prod'), [], scope);
    expect(denials.map((d) => d.rule)).toEqual(['destinations']);
  });

  it('matches a destination named by cluster name through its resolved server', async () => {
    expect(await gate(app('team-a'), [], scope)).toEqual([]);
  });

  it('checks each object once, by its scope from discovery', async () => {
    const cm = { group: '', kind: 'ConfigMap', namespace: 'kube-system', name: 'x' };
    const role = {
      group: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      namespace: '',
      name: 'r',
    };
    const denials = await gate(app('team-a'), [cm, cm, role], scope);
    expect(denials.map((d) => d.rule)).toEqual(['destinations', 'clusterResourceWhitelist']);
  });

  it('judges a kind discovery does not know yet by its manifest namespace', async () => {
    const namespaced = { group: 'example.com', kind: 'Widget', namespace: 'team-a-dev', name: 'w' };
    const clusterScoped = { group: 'example.com', kind: 'Widget', namespace: '', name: 'w' };
    expect(await gate(app('team-a'), [namespaced], scope)).toEqual([]);
    expect((await gate(app('team-a'), [clusterScoped], scope))[0]?.rule).toBe(
      'clusterResourceWhitelist',
    );
  });
});
