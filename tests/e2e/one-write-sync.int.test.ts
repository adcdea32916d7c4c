// An automated sync that applies the whole desired state ends with one status
// write that also says what the next comparison finds (Synced, Healthy, each
// resource): the differ's comparison after it writes nothing, and the sync and
// health changes are announced once, by the applier.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application } from '@flotilla/api';
import { connectBus, consumerName } from '@flotilla/bus';
import { eventType, Streams, workSubject, type AppRef } from '@flotilla/contracts';
import { ApplicationClient, installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { readEvents } from './support/events.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

const configMap = (name: string, value: string) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    'data:',
    `  value: "${value}"`,
    '',
  ].join('\n');

const T = { timeoutMs: 60_000 };

describe('an automated sync ends with one Application write', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let nc: NatsConnection;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;
  const diffReasons: string[] = [];

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('one');
    repo = await env.git.repo('apps');
    await repo.commit({ 'one/cm.yaml': configMap('one', '1') });
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    roles = await startRoles(env, ns, ALL_ROLES, testRoleEnv(env));
    const sub = nc.subscribe(workSubject('diff', { namespace: ns, name: 'one' }));
    void (async () => {
      for await (const m of sub) diffReasons.push(String(m.json<{ reason?: string }>().reason));
    })();
  });
  afterAll(async () => {
    await roles?.stop();
    await nc?.close();
    await env[Symbol.asyncDispose]();
  });

  const ref = (): AppRef => ({ namespace: ns, name: 'one' });
  const app = async () => (await new ApplicationClient(env.kube.kc).get(ref())) as Application;
  const rv = (a: Application) => (a.metadata as { resourceVersion?: string }).resourceVersion;

  /** Waits until every diff command sent so far has been handled. */
  const comparisonsDone = async (afterReasons: number) => {
    await waitFor(
      'the comparison after the sync asked for',
      () => diffReasons.slice(afterReasons).includes('operation finished'),
      T,
    );
    const jsm = await jetstreamManager(nc);
    await waitFor(
      'every diff command handled',
      async () => {
        const info = await jsm.consumers.info(Streams.Work, consumerName('diff'));
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      T,
    );
  };

  const settled = (a: Application, revision: string) =>
    a.status?.sync?.status === 'Synced' &&
    a.status.sync.revision === revision &&
    a.status.health?.status === 'Healthy' &&
    a.status.operationState?.phase === 'Succeeded' &&
    a.status.operationState.syncResult?.revision === revision;

  it('a new app: the sync end carries Synced and Healthy, and the comparison after it writes nothing', async () => {
    const head = await repo.revParse('main');
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'one', namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'one' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    } as Application);
    await waitFor('synced', async () => settled(await app(), head), T);
    const ended = await app();
    await comparisonsDone(0);
    const after = await app();
    expect(rv(after)).toBe(rv(ended));
    expect(after.status?.resources).toEqual([
      {
        group: '',
        version: 'v1',
        kind: 'ConfigMap',
        namespace: dest,
        name: 'one',
        status: 'Synced',
      },
    ]);
    // The write that carried the comparison is the applier's.
    type Managed = { manager?: string; operation?: string; subresource?: string };
    const managed = (after.metadata as { managedFields?: Managed[] }).managedFields ?? [];
    const writers = managed
      .filter((f) => f.subresource === 'status')
      .map((f) => `${f.manager}:${f.operation}`);
    expect(writers).toContain('flotilla-applier:Update');
    const events = await readEvents(nc, `flotilla.events.${ns}.one.>`);
    const changes = events
      .map((e) => e.event)
      .filter(
        (e) =>
          e['type'] === eventType('app.sync-changed') ||
          e['type'] === eventType('app.health-changed'),
      )
      .map((e) => `${String(e['type'])} ${JSON.stringify(e['data'])} ${String(e['source'])}`);
    expect(changes).toContain(
      `${eventType('app.sync-changed')} ${JSON.stringify({ from: 'Unknown', to: 'Synced', revision: head })} /flotilla/applier`,
    );
    expect(
      changes.filter(
        (c) => c.startsWith(eventType('app.sync-changed')) && c.includes('"to":"Synced"'),
      ),
    ).toHaveLength(1);
  });

  it('a new commit: OutOfSync shown by the differ, then Synced with the sync end alone', async () => {
    const before = diffReasons.length;
    // Every write of the app, as its watch delivers them.
    const seen: string[] = [];
    const informer = new ApplicationClient(env.kube.kc).informer(ns);
    informer.on('update', (a) => {
      const s = a.status;
      seen.push(
        `${s?.operationState?.phase}@${s?.operationState?.syncResult?.revision?.slice(0, 7)} ` +
          `${s?.sync?.status}@${s?.sync?.revision?.slice(0, 7)}`,
      );
    });
    await informer.start();
    try {
      const head = await repo.commit({ 'one/cm.yaml': configMap('one', '2') });
      await waitFor('synced at the new commit', async () => settled(await app(), head), T);
      const ended = await app();
      await comparisonsDone(before);
      expect(rv(await app())).toBe(rv(ended));
      const h = head.slice(0, 7);
      // The write that ended the sync already said Synced at the commit; nothing came after.
      const end = seen.findIndex((x) => x.startsWith(`Succeeded@${h}`));
      expect(seen[end]).toBe(`Succeeded@${h} Synced@${h}`);
      expect(seen.slice(end + 1)).toEqual([]);
      expect(seen.slice(0, end).some((x) => x.endsWith(`OutOfSync@${h}`))).toBe(true);
      expect(ended.status?.history?.map((x) => x.revision)).toContain(head);
    } finally {
      await informer.stop();
    }
    const live = await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${dest}/configmaps/one`,
    });
    expect(live.data['value']).toBe('2');
  });

  it('a later drift is still seen and written by the differ', async () => {
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${dest}/configmaps/one`,
      contentType: 'application/merge-patch+json',
      body: { data: { value: 'by hand' } },
    });
    // Self-heal puts it back; the drift shows on the way in the events.
    await waitFor(
      'healed',
      async () => {
        const live = await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
          method: 'GET',
          path: `/api/v1/namespaces/${dest}/configmaps/one`,
        });
        return live.data['value'] === '2';
      },
      T,
    );
    await waitFor(
      'drift announced',
      async () =>
        (await readEvents(nc, `flotilla.events.${ns}.one.>`)).some(
          (e) => e.event['type'] === eventType('app.drift-detected'),
        ),
      T,
    );
    await waitFor('synced again', async () => (await app()).status?.sync?.status === 'Synced', T);
  });

  it('a manual sync after those runs as itself: nothing of the last end stays in its state', async () => {
    const client = new ApplicationClient(env.kube.kc);
    const before = (await app()).status?.operationState?.startedAt;
    await client.patchOperation(ref(), {
      sync: { prune: true },
      initiatedBy: { username: 'someone' },
    });
    await waitFor(
      'the manual sync ended',
      async () => {
        const s = (await app()).status?.operationState;
        return s?.startedAt !== before && s?.phase === 'Succeeded';
      },
      T,
    );
    const s = (await app()).status?.operationState;
    expect(s?.operation.initiatedBy).toEqual({ username: 'someone' });
    expect(s?.operation.sync?.revision).toBeUndefined();
    expect(s?.message).not.toMatch(/waiting/);
  });
});
