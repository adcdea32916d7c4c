import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSideApply } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';
import {
  APPLIER_FIELD_MANAGER,
  DIFFER_FIELD_MANAGER,
  applierStatusPatch,
  differStatusPatch,
  statusApplyRequest,
  type Application,
  type ApplierStatus,
  type DifferStatus,
  type ResourceStatus,
} from '@flotilla/api';
import { application } from '@flotilla/api/test-fixtures';
import { installCrds, kubectl, sendApply } from './support/cluster.js';

interface ManagedFields {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: { 'f:status'?: Record<string, unknown> };
}

describe('two controllers writing Application status with server-side apply', () => {
  let env: TestEnv;
  let ns: string;
  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc, env.kube.objects);
    ns = await env.kube.namespace('api-status');
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  const web: ResourceStatus = {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'guestbook',
    name: 'web',
    status: 'OutOfSync',
  };
  const svc: ResourceStatus = {
    version: 'v1',
    kind: 'Service',
    namespace: 'guestbook',
    name: 'web',
    status: 'Synced',
  };

  const read = async (): Promise<Application & { metadata: { managedFields: ManagedFields[] } }> =>
    JSON.parse(
      await kubectl(env.kube.kubeconfigPath, env.tmpDir, [
        'get',
        'fapp',
        'guestbook',
        '-n',
        ns,
        '-o',
        'json',
        '--show-managed-fields',
      ]),
    );

  it('keeps each writer’s fields, whole lists included, and records who owns what', async () => {
    const app = { ...application(), metadata: { name: 'guestbook', namespace: ns } };
    await serverSideApply(env.kube.objects, app, { fieldManager: 'platform-team' });
    const differ = (fields: DifferStatus) =>
      sendApply(
        env.kube.kc,
        statusApplyRequest(differStatusPatch(app, fields), DIFFER_FIELD_MANAGER),
      );
    const applier = (fields: ApplierStatus) =>
      sendApply(
        env.kube.kc,
        statusApplyRequest(applierStatusPatch(app, fields), APPLIER_FIELD_MANAGER),
      );

    await differ({
      sync: { status: 'OutOfSync', revision: 'a1' },
      health: { status: 'Progressing' },
      resources: [web, svc],
      conditions: [{ type: 'SharedResourceWarning', message: 'Service web is also in app shop' }],
      reconciledAt: '2026-05-01T10:00:00Z',
    });
    await applier({
      operationState: {
        operation: { sync: { revision: 'a1' }, initiatedBy: { automated: true } },
        phase: 'Running',
        startedAt: '2026-05-01T10:00:01Z',
      },
      history: [{ id: 1, revision: 'a0', deployedAt: '2026-04-30T09:00:00Z' }],
    });
    let live = await read();
    expect(live.status?.sync?.status).toBe('OutOfSync');
    expect(live.status?.operationState?.phase).toBe('Running');

    // The differ's next view: one resource left, no condition. The applier's fields stay.
    await differ({
      sync: { status: 'Synced', revision: 'a1' },
      health: { status: 'Healthy' },
      resources: [{ ...web, status: 'Synced' }],
      reconciledAt: '2026-05-01T10:01:00Z',
    });
    live = await read();
    expect(live.status?.resources).toEqual([{ ...web, status: 'Synced' }]);
    expect(live.status?.conditions).toBeUndefined();
    expect(live.status?.operationState?.phase).toBe('Running');
    expect(live.status?.history).toHaveLength(1);

    // The applier finishes; the differ's fields stay.
    await applier({
      operationState: {
        operation: { sync: { revision: 'a1' }, initiatedBy: { automated: true } },
        phase: 'Succeeded',
        startedAt: '2026-05-01T10:00:01Z',
        finishedAt: '2026-05-01T10:00:30Z',
      },
      history: [
        { id: 1, revision: 'a0', deployedAt: '2026-04-30T09:00:00Z' },
        { id: 2, revision: 'a1', deployedAt: '2026-05-01T10:00:30Z' },
      ],
    });
    // A user re-applying the spec touches no status field.
    await serverSideApply(env.kube.objects, app, { fieldManager: 'platform-team' });
    live = await read();
    expect(live.status).toMatchObject({
      sync: { status: 'Synced', revision: 'a1' },
      health: { status: 'Healthy' },
      operationState: { phase: 'Succeeded' },
    });
    expect(live.status?.history?.map((h) => h.id)).toEqual([1, 2]);

    const owned = (manager: string) => {
      const entry = live.metadata.managedFields.find((m) => m.manager === manager);
      expect(entry, manager).toMatchObject({ operation: 'Apply', subresource: 'status' });
      return entry!.fieldsV1['f:status'] ?? {};
    };
    const differFields = owned(DIFFER_FIELD_MANAGER);
    const applierFields = owned(APPLIER_FIELD_MANAGER);
    expect(Object.keys(differFields).sort()).toEqual([
      'f:health',
      'f:reconciledAt',
      'f:resources',
      'f:sync',
    ]);
    expect(Object.keys(applierFields).sort()).toEqual(['f:history', 'f:operationState']);
    // Atomic lists: the manager owns the list, not its items one by one.
    expect(differFields['f:resources']).toEqual({});
    expect(applierFields['f:history']).toEqual({});
  });
});
