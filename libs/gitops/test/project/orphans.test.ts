// orphanedResources: which untracked objects count, and the condition they give.
import { describe, expect, it } from 'vitest';
import {
  orphanedResourceCondition,
  orphanedResources,
  type OrphanRef,
  type ProjectSpec,
} from '../../src/index.js';

const cm = (name: string, namespace = 'team'): OrphanRef => ({
  group: '',
  kind: 'ConfigMap',
  namespace,
  name,
});
const project = (spec: ProjectSpec) => ({ name: 'team', spec });

describe('orphanedResources', () => {
  it('reports nothing when the project does not monitor orphans', () => {
    expect(orphanedResources(project({}), [cm('a')])).toEqual([]);
    expect(orphanedResources(undefined, [cm('a')])).toEqual([]);
  });

  it('leaves out what Kubernetes makes, ignored objects and kinds the project refuses', () => {
    const spec: ProjectSpec = {
      orphanedResources: {
        warn: true,
        ignore: [
          { kind: 'ConfigMap', name: 'keep-*' },
          { group: 'apps', kind: '*' },
        ],
      },
      namespaceResourceBlacklist: [{ group: '', kind: 'Secret' }],
    };
    const found = orphanedResources(project(spec), [
      cm('stray'),
      cm('keep-me'),
      cm('kube-root-ca.crt'),
      { group: '', kind: 'ServiceAccount', namespace: 'team', name: 'default' },
      { group: '', kind: 'ServiceAccount', namespace: 'team', name: 'robot' },
      { group: 'apps', kind: 'Deployment', namespace: 'team', name: 'web' },
      { group: '', kind: 'Secret', namespace: 'team', name: 'token' },
    ]);
    expect(found.map((r) => `${r.kind}/${r.name}`)).toEqual([
      'ConfigMap/stray',
      'ServiceAccount/robot',
    ]);
  });

  it('an ignore entry without group matches the core group only', () => {
    const spec: ProjectSpec = { orphanedResources: { ignore: [{ kind: 'Deployment' }] } };
    const dep = { group: 'apps', kind: 'Deployment', namespace: 'team', name: 'web' };
    expect(orphanedResources(project(spec), [dep])).toEqual([dep]);
  });

  it('warns only with warn: true and a count above zero', () => {
    const warn = project({ orphanedResources: { warn: true } });
    expect(orphanedResourceCondition(warn, 2)).toEqual({
      type: 'OrphanedResourceWarning',
      message: 'Application has 2 orphaned resources',
    });
    expect(orphanedResourceCondition(warn, 0)).toBeUndefined();
    expect(orphanedResourceCondition(project({ orphanedResources: {} }), 3)).toBeUndefined();
  });
});
