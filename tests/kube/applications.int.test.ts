// The Application client against a real apiserver: reads, lists, guarded
// operation writes, status applies, and names that must be URL-encoded to
// address exactly one Application.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  APPLIER_FIELD_MANAGER,
  DIFFER_FIELD_MANAGER,
  differStatusPatch,
  type Application,
} from '@flotilla/api';
import { ApiError, ApplicationClient, installCrds, watchApplications } from '@flotilla/kube';
import { metrics } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';

const appNamed = (name: string): Application =>
  ({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example.com/apps.git', targetRevision: 'main', path: name },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
    },
  }) as Application;

const managedFieldsOf = (app: Application | undefined) =>
  (app?.metadata as { managedFields?: unknown[] } | undefined)?.managedFields;

const rvOf = (app: Application | undefined) =>
  (app?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;

describe('ApplicationClient', () => {
  let env: TestEnv;
  let ns: string;
  let apps: ApplicationClient;
  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    apps = new ApplicationClient(env.kube.kc);
    await apps.create(ns, appNamed('guestbook'));
    await apps.create(ns, appNamed('guest.book'));
  });
  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  it('reads and lists Applications; a missing one reads as undefined', async () => {
    expect((await apps.get({ namespace: ns, name: 'guestbook' }))?.metadata?.name).toBe(
      'guestbook',
    );
    expect((await apps.get({ namespace: ns, name: 'guest.book' }))?.spec?.source?.path).toBe(
      'guest.book',
    );
    expect(await apps.get({ namespace: ns, name: 'absent' })).toBeUndefined();
    const names = (await apps.list(ns)).map((a) => a.metadata?.name).sort();
    expect(names).toEqual(['guest.book', 'guestbook']);
  });

  it('addresses a name that needs encoding as that name, never another app', async () => {
    // Unencoded, '?' and '#' would end the path at "guestbook" and '..' would climb out of it.
    for (const name of ['guestbook?watch=true', 'guestbook#x', '../applications/guestbook']) {
      expect(await apps.get({ namespace: ns, name })).toBeUndefined();
      const write = apps.patchOperation({ namespace: ns, name }, { sync: {} });
      await expect(write).rejects.toSatisfy((e) => e instanceof ApiError && e.status === 404);
    }
    expect((await apps.get({ namespace: ns, name: 'guestbook' }))?.operation).toBeUndefined();
  });

  it('writes an operation only over the resourceVersion it was read at', async () => {
    const ref = { namespace: ns, name: 'guestbook' };
    const read = await apps.get(ref);
    const written = await apps.patchOperation(ref, { sync: { prune: true } }, rvOf(read));
    expect(written.operation?.sync?.prune).toBe(true);
    const stale = apps.patchOperation(ref, { sync: {} }, rvOf(read));
    await expect(stale).rejects.toSatisfy((e) => e instanceof ApiError && e.status === 409);
    expect((await apps.get(ref))?.operation?.sync?.prune).toBe(true);
    await apps.patchOperation(ref, null, rvOf(written));
    expect((await apps.get(ref))?.operation).toBeUndefined();
  });

  it('clears an operation only while it is the expected one, whatever status writes came between', async () => {
    const ref = { namespace: ns, name: 'guestbook' };
    const op = { sync: { revision: 'abc', prune: true } };
    const written = await apps.patchOperation(ref, op);
    // Another writer's status write moves resourceVersion on; the clear still succeeds.
    const app = (await apps.get(ref))!;
    await apps.applyStatus(
      differStatusPatch(app, { sync: { status: 'OutOfSync' } }),
      DIFFER_FIELD_MANAGER,
    );
    expect(Number(rvOf(await apps.get(ref)))).toBeGreaterThan(Number(rvOf(written)));
    // Another operation: not removed.
    expect(await apps.clearOperationIf(ref, { sync: { revision: 'other' } })).toBeUndefined();
    expect((await apps.get(ref))?.operation).toEqual(op);
    const cleared = await apps.clearOperationIf(ref, op);
    expect(cleared?.operation).toBeUndefined();
    expect((await apps.get(ref))?.operation).toBeUndefined();
    // Already gone, or no such app: nothing to do, no error.
    expect(await apps.clearOperationIf(ref, op)).toBeUndefined();
    expect(await apps.clearOperationIf({ namespace: ns, name: 'absent' }, op)).toBeUndefined();
  });

  it('applies one owner’s status fields through the status subresource', async () => {
    const app = (await apps.get({ namespace: ns, name: 'guest.book' }))!;
    const stored = await apps.applyStatus(
      differStatusPatch(app, { sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } }),
      DIFFER_FIELD_MANAGER,
    );
    expect(stored.status?.sync?.status).toBe('OutOfSync');
    const managers = (
      stored.metadata as { managedFields?: { manager?: string }[] }
    ).managedFields?.map((m) => m.manager);
    expect(managers).toContain(DIFFER_FIELD_MANAGER);
  });

  it('replaces whole status fields in one write, over another owner, leaving the rest', async () => {
    await apps.create(ns, appNamed('replaced'));
    const ref = { namespace: ns, name: 'replaced' };
    // No status yet: the fields are set all the same.
    const first = await apps.replaceStatusFields(
      ref,
      { operationState: undefined, reconciledAt: '2026-01-01T00:00:00Z' },
      APPLIER_FIELD_MANAGER,
      false,
    );
    expect(first.status?.reconciledAt).toBe('2026-01-01T00:00:00Z');
    await apps.applyStatus(
      differStatusPatch(first, {
        sync: { status: 'OutOfSync', revision: 'a'.repeat(40) },
        health: { status: 'Progressing', message: 'rolling out' },
        conditions: [{ type: 'SyncError', message: 'kept' }],
      }),
      DIFFER_FIELD_MANAGER,
    );
    const stored = await apps.replaceStatusFields(
      ref,
      { sync: { status: 'Synced', revisions: ['b'.repeat(40)] }, health: { status: 'Healthy' } },
      APPLIER_FIELD_MANAGER,
      true,
    );
    // Whole values: no key of the old sync or health survives.
    expect(stored.status?.sync).toEqual({ status: 'Synced', revisions: ['b'.repeat(40)] });
    expect(stored.status?.health).toEqual({ status: 'Healthy' });
    expect(stored.status?.conditions).toEqual([{ type: 'SyncError', message: 'kept' }]);
    // The differ's next apply takes sync and health back whole (atomic maps).
    const again = await apps.applyStatus(
      differStatusPatch(stored, { sync: { status: 'OutOfSync', revision: 'c'.repeat(40) } }),
      DIFFER_FIELD_MANAGER,
    );
    expect(again.status?.sync).toEqual({ status: 'OutOfSync', revision: 'c'.repeat(40) });
  });

  it('a watched read waits for the watch to deliver a newer version instead of a GET', async () => {
    await apps.create(ns, appNamed('watched'));
    const ref = { namespace: ns, name: 'watched' };
    const watch = await watchApplications(env.kube.kc, ns);
    try {
      await waitFor('the app in the watch', async () => watch.view.get(ref) !== undefined, {
        timeoutMs: 10_000,
      });
      const gets = async () =>
        (await metrics.kubeRequests.get()).values
          .filter((v) => v.labels['method'] === 'GET' && v.labels['resource'] === 'applications')
          .reduce((n, v) => n + v.value, 0);
      for (let i = 0; i < 5; i++) {
        // Another writer's version, named as a command names it.
        const written = await apps.mergePatch(ref, {
          metadata: { annotations: { step: String(i) } },
        });
        const before = await gets();
        const read = await watch.read(ref, rvOf(written));
        expect(read?.metadata?.annotations?.['step']).toBe(String(i));
        expect(await gets()).toBe(before);
      }
    } finally {
      await watch.stop();
    }
  });

  it('keeps watched Applications without managedFields, listed or delivered', async () => {
    await apps.create(ns, appNamed('slim-listed'));
    const informer = apps.informer(ns);
    await informer.start();
    try {
      const listed = informer.get('slim-listed', ns);
      expect(listed?.metadata?.name).toBe('slim-listed');
      expect(managedFieldsOf(listed)).toBeUndefined();
      // The apiserver does send them: a read has them.
      const read = await apps.get({ namespace: ns, name: 'slim-listed' });
      expect(managedFieldsOf(read)?.length).toBeGreaterThan(0);
      await apps.create(ns, appNamed('slim-watched'));
      const written = await apps.mergePatch(
        { namespace: ns, name: 'slim-watched' },
        { metadata: { annotations: { step: '1' } } },
      );
      await waitFor(
        'the edit in the watch',
        async () => rvOf(informer.get('slim-watched', ns)) === rvOf(written),
        { timeoutMs: 10_000 },
      );
      for (const a of informer.list(ns)) expect(managedFieldsOf(a)).toBeUndefined();
    } finally {
      await informer.stop();
    }
  });

  it('deletes an Application', async () => {
    await apps.create(ns, appNamed('short-lived'));
    await apps.delete({ namespace: ns, name: 'short-lived' });
    expect(await apps.get({ namespace: ns, name: 'short-lived' })).toBeUndefined();
  });
});
