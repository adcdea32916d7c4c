// ProjectStore against a real apiserver: only a store told to creates the
// `default` project; the others wait for it through the watch, saying so; a
// fresh read is what `get` answers afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT } from '@flotilla/api';
import { ProjectClient, ProjectStore, installCrds } from '@flotilla/kube';
import type { Logger } from '@flotilla/runtime';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';

describe('ProjectStore', () => {
  let env: TestEnv;
  let client: ProjectClient;
  const stores: ProjectStore[] = [];
  const logged: string[] = [];
  const capture = (_: object, msg: string) => void logged.push(msg);
  const logger = { info: capture, warn: capture } as unknown as Pick<Logger, 'info' | 'warn'>;
  const project = (namespace: string, name: string) => ({
    apiVersion: API_VERSION,
    kind: APP_PROJECT.kind,
    metadata: { name, namespace },
    spec: { sourceRepos: [name] },
  });

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    client = new ProjectClient(env.kube.kc);
  });
  afterAll(async () => {
    for (const s of stores) await s.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('a reader waits for a missing default, and gets it once created', async () => {
    const ns = await env.kube.namespace('proj');
    const store = await ProjectStore.start({ kc: env.kube.kc, namespace: ns, logger });
    stores.push(store);
    expect(await client.get(ns, 'default')).toBeUndefined();
    expect(logged.some((l) => l.includes("AppProject 'default' does not exist yet"))).toBe(true);
    let got: unknown;
    const waiting = store.current('default').then((p) => (got = p));
    // Another project arrives through the watch; the wait goes on.
    await client.create(ns, project(ns, 'other'));
    await waitFor('other in the store', async () => store.get('other') !== undefined, {
      timeoutMs: 10_000,
    });
    expect(got).toBeUndefined();
    expect(logged.some((l) => l.includes("waiting for AppProject 'default'"))).toBe(true);
    // A missing project other than default is missing at once.
    expect(await store.current('nope')).toBeUndefined();
    await client.ensureDefault(ns);
    await waiting;
    expect((got as { name: string }).name).toBe('default');
  });

  it('the creating store makes default', async () => {
    const ns = await env.kube.namespace('proj');
    stores.push(await ProjectStore.start({ kc: env.kube.kc, namespace: ns, ensureDefault: true }));
    expect((await client.get(ns, 'default'))?.spec.sourceRepos).toEqual(['*']);
  });

  it('after a fresh read, get answers that version or a newer one', async () => {
    const ns = await env.kube.namespace('proj');
    const store = await ProjectStore.start({ kc: env.kube.kc, namespace: ns });
    stores.push(store);
    const created = await client.create(ns, project(ns, 'team'));
    await client.update(ns, { ...created, spec: { sourceRepos: ['edited'] } });
    expect((await store.fresh('team'))?.spec.sourceRepos).toEqual(['edited']);
    expect(store.get('team')?.spec.sourceRepos).toEqual(['edited']);
  });
});
