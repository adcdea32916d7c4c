// Hook names: generateName + `<rev[0:7]>-<phase>-<start unix>`, the same for
// every plan of one operation.
import { describe, expect, it } from 'vitest';
import { appHash, hookObjectName, syncResourceKey } from '../../src/sync/index.js';
import { REVISION, STARTED_AT, STARTED_UNIX, isNamespaced, job, obj, plan } from './fixtures.js';

const generated = (generateName: string) =>
  obj('batch/v1', 'Job', '', { 'argocd.argoproj.io/hook': 'PreSync' }, { generateName });

describe('hook names', () => {
  it.each([
    ['migrate-', REVISION, 'PreSync', 'migrate-a1b2c3d-presync-1704164645'],
    ['migrate', REVISION, 'PostSync', 'migratea1b2c3d-postsync-1704164645'],
    ['migrate-', 'ABCDEF0123', 'SyncFail', 'migrate-abcdef0-syncfail-1704164645'],
    ['migrate-', 'v1.2.3', 'Sync', 'migrate-v1.2.3-sync-1704164645'],
    ['migrate-', '12345678', 'Sync', 'migrate-1234567-sync-1704164645'],
    ['migrate-', '', 'Sync', 'migrate--sync-1704164645'],
  ] as const)('%s at %s in %s is %s', (generateName, revision, phase, name) => {
    expect(hookObjectName(generated(generateName), revision, phase, STARTED_UNIX)).toBe(name);
  });

  it('keeps metadata.name when the hook has one', () => {
    expect(hookObjectName(job('fixed'), REVISION, 'PreSync', STARTED_UNIX)).toBe('fixed');
  });

  it('names the same hook the same way every time one operation is planned', () => {
    const first = plan([generated('migrate-')]);
    const again = plan([generated('migrate-')], [], {
      operationStartedAt: STARTED_AT.toISOString(),
    });
    const atMs = plan([generated('migrate-')], [], {
      operationStartedAt: STARTED_AT.getTime() + 999,
    });
    expect(first.tasks.map((t) => t.id)).toEqual(again.tasks.map((t) => t.id));
    expect(first.tasks.map((t) => t.id)).toEqual(atMs.tasks.map((t) => t.id));
    expect(first.tasks[0]?.id).toBe('batch/Job/app/migrate-a1b2c3d-presync-1704164645:PreSync');
  });

  it('names hooks of another operation differently', () => {
    const later = plan([generated('migrate-')], [], {
      operationStartedAt: new Date(STARTED_AT.getTime() + 60_000),
    });
    expect(later.tasks[0]?.name).toBe('migrate-a1b2c3d-presync-1704164705');
  });

  it('finds the hook it already created when an operation resumes', () => {
    const created = {
      ...generated('migrate-'),
      metadata: {
        name: 'migrate-a1b2c3d-presync-1704164645',
        namespace: 'app',
        annotations: { 'argocd.argoproj.io/hook': 'PreSync' },
      },
    };
    const p = plan([generated('migrate-')], [created]);
    const hook = p.tasks.find((t) => t.type === 'hook');
    expect(hook?.liveObject).toBe(created);
    expect((hook?.targetObject as any).metadata.name).toBe('migrate-a1b2c3d-presync-1704164645');
  });

  it('gives same-named apps of two namespaces two hooks when they sync together', () => {
    const shopA = { namespace: 'team-a', name: 'shop' };
    const shopB = { namespace: 'team-b', name: 'shop' };
    const [a, b, againA] = [shopA, shopB, shopA].map(
      (app) => plan([generated('migrate-')], [], { app }).tasks[0]?.name,
    );
    expect(a).toBe(`migrate-a1b2c3d-presync-1704164645-${appHash(shopA)}`);
    expect(b).toBe(`migrate-a1b2c3d-presync-1704164645-${appHash(shopB)}`);
    expect(a).not.toBe(b);
    // One app's plans still agree, so a resumed operation finds its hook.
    expect(againA).toBe(a);
    expect(appHash(shopA)).toMatch(/^[0-9a-f]{6}$/);
    expect(appHash({ namespace: 'team-a', name: 'shop2' })).not.toBe(appHash(shopA));
    // A hook with its own name keeps it, whatever the app.
    expect(hookObjectName(job('fixed'), REVISION, 'PreSync', STARTED_UNIX, shopA)).toBe('fixed');
  });

  it('rejects an operation start that is not a time', () => {
    expect(() => plan([], [], { operationStartedAt: 'yesterday' })).toThrow(/operation start/);
  });
});

describe('resource keys', () => {
  it.each([
    [obj('v1', 'ConfigMap', 'c'), { group: '', kind: 'ConfigMap', namespace: 'app', name: 'c' }],
    [
      obj('v1', 'ConfigMap', 'c', {}, { namespace: 'other' }),
      { group: '', kind: 'ConfigMap', namespace: 'other', name: 'c' },
    ],
    [obj('v1', 'Namespace', 'team'), { group: '', kind: 'Namespace', namespace: '', name: 'team' }],
    [
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', {}, { namespace: 'ignored' }),
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespace: '', name: 'r' },
    ],
    // A kind discovery does not know yet counts as namespaced.
    [
      obj('example.com/v1', 'Widget', 'w'),
      { group: 'example.com', kind: 'Widget', namespace: 'app', name: 'w' },
    ],
  ])('%j has key %j', (o, key) => {
    expect(syncResourceKey(o, 'app', isNamespaced)).toEqual(key);
  });
});
