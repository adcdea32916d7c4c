import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, createPublisher, provisionBus, type BusPublisher } from '@flotilla/bus';
import { createEvent, type AppRef, type FlotillaEvent } from '@flotilla/contracts';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { flotilla, startFlotilla } from './cli.js';

describe('flotilla events tail', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let bus: BusPublisher;
  const ns = 'apps';
  const web: AppRef = { namespace: ns, name: 'web' };
  const api: AppRef = { namespace: ns, name: 'api' };
  const elsewhere: AppRef = { namespace: 'other', name: 'web' };
  const stored: FlotillaEvent[] = [];
  const tail = (...args: string[]) =>
    flotilla(['events', 'tail', '-n', ns, '--nats-url', env.nats.url, ...args]);
  const syncChanged = (app: AppRef, from: string, to: string) =>
    createEvent(
      'app.sync-changed',
      app,
      { from, to, revision: 'b'.repeat(40) },
      {
        source: '/flotilla/differ',
      },
    );

  beforeAll(async () => {
    env = await startEnv({ nats: true });
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    bus = createPublisher(nc);
    const events: [AppRef, FlotillaEvent][] = [
      [web, syncChanged(web, 'Synced', 'OutOfSync')],
      [
        api,
        createEvent(
          'app.health-changed',
          api,
          { from: 'Progressing', to: 'Degraded', message: 'Deployment api: 0/2 ready' },
          { source: '/flotilla/differ' },
        ),
      ],
      [elsewhere, syncChanged(elsewhere, 'Unknown', 'Synced')],
    ];
    for (const [app, e] of events) {
      await bus.event(e.type.replace(/^dev\.flotilla\.(.*)\.v1$/, '$1') as never, app, e as never);
      if (app.namespace === ns) stored.push(e);
    }
  });
  afterAll(async () => {
    await nc?.close();
    await env[Symbol.asyncDispose]();
  });

  it('prints stored events of the namespace one readable line each', async () => {
    const r = await tail('--all', '--no-follow');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^\\S+Z  ${ns}/web  app\\.sync-changed  Synced -> OutOfSync$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\S+Z  ${ns}/api  app\\.health-changed  Progressing -> Degraded: Deployment api: 0/2 ready$`,
      ),
    );
  });

  it('filters by app and by type, and prints CloudEvents with -o json', async () => {
    const byApp = await tail('--all', '--no-follow', '--app', 'web');
    expect(byApp.stdout.trimEnd().split('\n')).toEqual([
      expect.stringContaining(`${ns}/web  app.sync-changed`),
    ]);
    const byType = await tail('--all', '--no-follow', '--type', 'app.health-changed', '-o', 'json');
    const parsed = byType.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as FlotillaEvent);
    expect(parsed).toEqual([stored[1]]);
    const byCategory = await tail('--since', '1h', '--no-follow', '--type', 'app', '-o', 'json');
    expect(
      byCategory.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as FlotillaEvent).id),
    ).toEqual(stored.map((e) => e.id));
    const everywhere = await tail('--all', '--no-follow', '-A', '--type', 'app.sync-changed');
    expect(everywhere.stdout).toContain('other/web  app.sync-changed  Unknown -> Synced');
  });

  it('follows new events only, from now, until --count is reached', async () => {
    const live = startFlotilla([
      'events',
      'tail',
      '-n',
      ns,
      '--app',
      'web',
      '--count',
      '1',
      '--nats-url',
      env.nats.url,
    ]);
    await waitFor('tail is following', async () => live.stderr().includes('following'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const fresh = syncChanged(web, 'OutOfSync', 'Synced');
    await bus.event('app.sync-changed', web, fresh);
    const r = await live.done;
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`${ns}/web  app\\.sync-changed  OutOfSync -> Synced$`)),
    ]);
  });

  it('replays from an RFC 3339 time and filters by CloudEvent type globs', async () => {
    const cut = new Date();
    const started = createEvent(
      'operation.started',
      api,
      { operationId: 'op-1', trigger: 'manual', dryRun: false, prune: false },
      { source: '/flotilla/applier' },
    );
    const failed = createEvent(
      'operation.failed',
      api,
      { operationId: 'op-1', message: 'hook PreSync Job/migrate failed', durationMs: 1500 },
      { source: '/flotilla/applier' },
    );
    await bus.event('operation.started', api, started);
    await bus.event('operation.failed', api, failed);
    const ids = (r: { stdout: string }) =>
      r.stdout
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as FlotillaEvent).id);

    const sinceCut = await tail('--since', cut.toISOString(), '--no-follow', '-o', 'json');
    expect(sinceCut.code).toBe(0);
    expect(ids(sinceCut)).toEqual([started.id, failed.id]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await tail('--since', future, '--no-follow');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');

    const operations = await tail('--all', '--no-follow', '--type', 'operation.*', '-o', 'json');
    expect(ids(operations)).toEqual([started.id, failed.id]);
    const failures = await tail(
      '--all',
      '--no-follow',
      '--type',
      '*.failed,app.health-changed',
      '-o',
      'json',
    );
    expect(ids(failures)).toEqual([stored[1]!.id, failed.id]);
    const byFullType = await tail(
      '--since',
      '1h',
      '--no-follow',
      '--type',
      'dev.flotilla.operation.failed.v1',
    );
    expect(byFullType.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`${ns}/api  operation\\.failed  op-1: hook PreSync Job/migrate failed$`),
      ),
    ]);
  });

  it('rejects bad flags with exit code 2', async () => {
    const badType = await tail('--type', 'nope');
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('unknown event type "nope"');
    const badSince = await tail('--since', '10x');
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('use a duration such as 30s');
    expect(badSince.stderr).toContain('or an RFC 3339 time');
    const badGlob = await tail('--type', 'operation.nope*');
    expect(badGlob.code).toBe(2);
    expect(badGlob.stderr).toContain('unknown event type "operation.nope*"');
    const both = await tail('--since', '10m', '--all');
    expect(both.code).toBe(2);
    const help = await flotilla(['events', 'tail', '--help']);
    expect(help.stdout).toContain('--since <duration|time>');
    expect(help.stdout).toContain("--type 'operation.*,hook.failed'");
    const unreachable = await flotilla(['events', 'tail', '--nats-url', 'nats://127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach NATS at nats://127.0.0.1:1');
  });
});
