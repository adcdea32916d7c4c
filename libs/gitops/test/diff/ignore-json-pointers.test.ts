import type { ResourceIgnoreDifferences } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import { diffApp, globMatch, matchIgnoreRules } from '../../src/diff/index.js';
import { appInput, configMap, testdata } from './fixtures.js';

const desired = () => testdata('deployment-desired.yaml');
// Someone scaled the Deployment and added an annotation by hand.
const live = () => {
  const obj = testdata('deployment-live.yaml');
  obj['spec']['replicas'] = 4;
  obj['metadata']['annotations']['example.com/owner'] = 'ops';
  return obj;
};
const diff = (ignoreDifferences: ResourceIgnoreDifferences[]) =>
  diffApp(appInput([desired()], [live()]), { ignoreDifferences });

describe('jsonPointers', () => {
  it('shows the drift without rules', async () => {
    const { resources } = await diff([]);
    expect(resources[0]).toMatchObject({ status: 'OutOfSync', changedPaths: ['/spec/replicas'] });
  });

  it('ignores /spec/replicas for the matching group and kind', async () => {
    const { resources } = await diff([
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
    ]);
    expect(resources[0]?.status).toBe('Synced');
  });

  it('leaves the diff text without the ignored field', async () => {
    const { resources } = await diff([
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      {
        group: 'apps',
        kind: 'Deployment',
        jsonPointers: ['/spec/template/spec/containers/0/image'],
      },
    ]);
    expect(resources[0]?.diff).toBe('');
  });

  it.each([
    [{ group: 'apps', kind: 'Deployment', name: 'web' }, 'Synced'],
    [{ group: 'apps', kind: 'Deployment', name: 'api' }, 'OutOfSync'],
    [{ group: 'apps', kind: 'Deployment', namespace: 'shop' }, 'Synced'],
    [{ group: 'apps', kind: 'Deployment', namespace: 'other' }, 'OutOfSync'],
    [{ group: '*', kind: 'Deploy*' }, 'Synced'],
    [{ kind: 'Deployment' }, 'OutOfSync'],
    [{ group: 'apps', kind: 'StatefulSet' }, 'OutOfSync'],
  ])('matches %j: %s', async (match, status) => {
    const { resources } = await diff([{ ...match, jsonPointers: ['/spec/replicas'] }]);
    expect(resources[0]?.status).toBe(status);
  });

  it('escapes / in a key as ~1', async () => {
    const owned = desired();
    owned['metadata']['annotations'] = { 'example.com/owner': 'dev' };
    const replicas = { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] };
    const before = await diffApp(appInput([owned], [live()]), { ignoreDifferences: [replicas] });
    expect(before.resources[0]?.changedPaths).toEqual(['/metadata/annotations/example.com~1owner']);
    const annotation = { ...replicas, jsonPointers: ['/metadata/annotations/example.com~1owner'] };
    const after = await diffApp(appInput([owned], [live()]), {
      ignoreDifferences: [replicas, annotation],
    });
    expect(after.resources[0]?.status).toBe('Synced');
  });

  it('skips pointers that do not resolve or are malformed', async () => {
    const { resources } = await diff([
      {
        group: 'apps',
        kind: 'Deployment',
        jsonPointers: ['/spec/nothing/here', 'spec/replicas', '', '/spec/replicas'],
      },
    ]);
    expect(resources[0]?.status).toBe('Synced');
  });

  it('removes list items by index', async () => {
    const cmDesired = configMap('cfg', {});
    (cmDesired as any).spec = { items: ['a', 'b'] };
    const cmLive = structuredClone(cmDesired);
    (cmLive as any).metadata = {
      name: 'cfg',
      namespace: 'shop',
      annotations: { 'flotilla.dev/tracking-id': 'flotilla_shop:/ConfigMap:shop/cfg' },
    };
    (cmLive as any).spec.items = ['a', 'c'];
    const rules = [{ kind: 'ConfigMap', jsonPointers: ['/spec/items/1'] }];
    const { resources } = await diffApp(appInput([cmDesired], [cmLive]), {
      ignoreDifferences: rules,
    });
    expect(resources[0]?.status).toBe('Synced');
  });
});

describe('matchIgnoreRules', () => {
  it('merges every matching entry', () => {
    const key = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
    const rules = matchIgnoreRules(
      [
        { group: 'apps', kind: 'Deployment', jsonPointers: ['/a'] },
        { group: 'apps', kind: '*', jqPathExpressions: ['.b'], managedFieldsManagers: ['hpa'] },
        { group: 'apps', kind: 'Deployment', name: 'other', jsonPointers: ['/c'] },
      ],
      key,
    );
    expect(rules).toEqual({
      jsonPointers: ['/a'],
      jqPathExpressions: ['.b'],
      managedFieldsManagers: ['hpa'],
    });
  });

  it.each([
    ['*', 'apps', true],
    ['*.k8s.io', 'rbac.authorization.k8s.io', true],
    ['*.k8s.io', 'apps', false],
    ['app?', 'apps', true],
    ['a.ps', 'apps', false],
    ['', '', true],
  ])('glob %j matches %j: %s', (pattern, value, want) => {
    expect(globMatch(pattern, value)).toBe(want);
  });
});
