// The Helm chart with the real helm: it lints clean, its CRDs are the generated
// ones, and deploy/install.yaml is what it renders today.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';
import { helmTemplate } from './helm-template.js';
import { chartDir, installYamlPath, renderInstallYaml } from '../src/install/chart.js';

const root = resolve(import.meta.dirname, '..', '..');
const chart = chartDir(root);
let helm: string;

beforeAll(async () => {
  helm = await resolveTool('helm', {
    cacheDir: userCacheDir(process.env),
    path: process.env['PATH'],
  });
});

const template = (...set: string[]) =>
  helmTemplate<{ kind: string; metadata: { name: string; namespace?: string } }>(helm, chart, set);

describe('the Helm chart', () => {
  it('lints clean with default values, all-in-one, and external NATS and Redis', async () => {
    for (const set of [
      [],
      [
        'mode=all-in-one',
        'webhook.ingress.enabled=true',
        'metrics.serviceMonitor.enabled=true',
        'metrics.prometheusRule.enabled=true',
        'metrics.grafanaDashboard.enabled=true',
      ],
      [
        'nats.bundled=false',
        'nats.url=tls://nats.example:4222',
        'nats.tls.caSecret.name=nats-ca',
        'nats.auth.credsSecret.name=nats-creds',
        'redis.bundled=false',
        'redis.url=rediss://redis.example:6380',
        'redis.auth.passwordSecret.name=redis-auth',
      ],
    ]) {
      const { stdout } = await run(helm, [
        'lint',
        '--strict',
        chart,
        ...set.flatMap((s) => ['--set', s]),
      ]);
      expect(stdout).toContain('0 chart(s) failed');
    }
  });

  it('carries the CRDs libs/api generates', async () => {
    const generated = join(root, 'deploy', 'crds');
    const names = (await readdir(generated)).sort();
    expect((await readdir(join(chart, 'crds'))).sort()).toEqual(names);
    for (const n of names) {
      expect(await readFile(join(chart, 'crds', n), 'utf8'), n).toBe(
        await readFile(join(generated, n), 'utf8'),
      );
    }
  });

  it('is what deploy/install.yaml holds (npx tsx cli/scripts/render-install.ts)', async () => {
    expect(await readFile(installYamlPath(root), 'utf8')).toBe(await renderInstallYaml(helm, root));
  });

  it('gives each role its own ServiceAccount, and one for all roles in all-in-one mode', async () => {
    const split = await template();
    expect(split.filter((d) => d.kind === 'ServiceAccount').map((d) => d.metadata.name)).toEqual([
      'rel-flotilla-git-poller',
      'rel-flotilla-renderer',
      'rel-flotilla-differ',
      'rel-flotilla-applier',
      'rel-flotilla-hook-runner',
      'rel-flotilla-appset',
      'rel-flotilla-notifier',
    ]);
    expect(split.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(
      expect.arrayContaining(['rel-flotilla-appset', 'rel-flotilla-notifier']),
    );
    const one = await template('mode=all-in-one');
    expect(one.filter((d) => d.kind === 'ServiceAccount').map((d) => d.metadata.name)).toEqual([
      'rel-flotilla',
    ]);
    expect(one.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual([
      'rel-flotilla-all',
      'rel-flotilla-redis',
    ]);
  });

  it('rolls every role one new ready pod at a time, and stops each process inside its grace', async () => {
    interface RolePod {
      kind: string;
      metadata: { name: string; labels?: Record<string, string> };
      spec: {
        strategy: unknown;
        template: {
          spec: {
            terminationGracePeriodSeconds: number;
            containers: {
              env: { name: string; value?: string }[];
              readinessProbe: unknown;
            }[];
          };
        };
      };
    }
    for (const [set, grace, deadline] of [
      [[], 60, '55'],
      [['terminationGracePeriodSeconds=120'], 120, '115'],
      [['mode=all-in-one'], 60, '55'],
    ] as const) {
      const roles = (await helmTemplate<RolePod>(helm, chart, [...set])).filter(
        (d) =>
          d.kind === 'Deployment' && d.metadata.labels?.['app.kubernetes.io/component'] !== 'redis',
      );
      expect(roles.length).toBeGreaterThan(0);
      for (const d of roles) {
        const pod = d.spec.template.spec;
        const env = Object.fromEntries(pod.containers[0]!.env.map((e) => [e.name, e.value]));
        expect({ name: d.metadata.name, strategy: d.spec.strategy }).toEqual({
          name: d.metadata.name,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        });
        expect(pod.containers[0]!.readinessProbe).toMatchObject({
          httpGet: { path: '/readyz', port: 'ops' },
        });
        expect(pod.terminationGracePeriodSeconds).toBe(grace);
        expect(env['FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS']).toBe(deadline);
      }
    }
  });

  it('gives the appset and notifier roles no right on any managed cluster', async () => {
    type Rbac = { kind: string; metadata: { name: string }; rules?: unknown[] };
    const docs = (await template()) as Rbac[];
    for (const role of ['appset', 'notifier']) {
      expect(
        docs.filter((d) => d.kind === 'ClusterRole' && d.metadata.name.endsWith(role)),
      ).toEqual([]);
    }
    const notifier = docs.find(
      (d) => d.kind === 'Role' && d.metadata.name === 'rel-flotilla-notifier',
    );
    // The notifier reads its own ConfigMap and Secret by name, never the repository credentials.
    expect(notifier?.rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resources: ['secrets'],
          resourceNames: ['flotilla-notifications-secret'],
          verbs: ['get'],
        }),
      ]),
    );
    const renamed = (await template('notifications.secret=other')) as Rbac[];
    expect(
      renamed.find((d) => d.kind === 'Role' && d.metadata.name === 'rel-flotilla-notifier')?.rules,
    ).toEqual(expect.arrayContaining([expect.objectContaining({ resourceNames: ['other'] })]));
  });

  it('watches Applications of other namespaces only when applicationNamespaces is set', async () => {
    type Doc = {
      kind: string;
      metadata: { name: string };
      rules?: { resources: string[]; verbs: string[] }[];
      spec?: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
    };
    const appRules = (docs: Doc[]) =>
      Object.fromEntries(
        docs
          .filter((d) => d.kind === 'ClusterRole' && d.metadata.name.endsWith('-apps'))
          .map((d) => [d.metadata.name, d.rules?.map((r) => `${r.resources}:${r.verbs}`)]),
      );
    const envOf = (docs: Doc[]) =>
      docs
        .filter((d) => d.kind === 'Deployment' && d.metadata.name.includes('differ'))
        .flatMap((d) => d.spec!.template.spec.containers[0]!.env ?? [])
        .find((e) => e.name === 'FLOTILLA_APPLICATION_NAMESPACES')?.value;
    const plain = (await template()) as Doc[];
    expect(appRules(plain)).toEqual({});
    expect(envOf(plain)).toBeUndefined();
    const wide = (await template('applicationNamespaces={team-*,/^qa$/}')) as Doc[];
    expect(envOf(wide)).toBe('team-*,/^qa$/');
    expect(appRules(wide)).toEqual({
      'ns1-rel-flotilla-git-poller-apps': ['applications:get,list,watch,patch'],
      'ns1-rel-flotilla-renderer-apps': ['applications:get,list,watch'],
      'ns1-rel-flotilla-differ-apps': [
        'applications:get,list,watch,patch',
        'applications/status:patch',
      ],
      'ns1-rel-flotilla-applier-apps': [
        'applications:get,list,watch,patch,update',
        'applications/status:patch,update',
        'events:create,patch',
      ],
      'ns1-rel-flotilla-notifier-apps': ['applications:get'],
    });
    const bindings = wide.filter(
      (d) => d.kind === 'ClusterRoleBinding' && d.metadata.name.endsWith('-apps'),
    );
    expect(bindings.map((d) => d.metadata.name).sort()).toEqual(Object.keys(appRules(wide)).sort());
  });

  it('reconciles ApplicationSets of other namespaces only when applicationSetNamespaces is set', async () => {
    type Doc = {
      kind: string;
      metadata: { name: string };
      rules?: { resources: string[]; verbs: string[] }[];
      spec?: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
    };
    const setRules = (docs: Doc[]) =>
      Object.fromEntries(
        docs
          .filter((d) => d.kind.startsWith('Cluster') && d.metadata.name.endsWith('-sets'))
          .map((d) => [
            `${d.kind}/${d.metadata.name}`,
            d.rules?.map((r) => `${r.resources}:${r.verbs}`),
          ]),
      );
    const envOf = (docs: Doc[]) =>
      docs
        .filter((d) => d.kind === 'Deployment' && d.metadata.name.includes('appset'))
        .flatMap((d) => d.spec!.template.spec.containers[0]!.env ?? [])
        .find((e) => e.name === 'FLOTILLA_APPLICATIONSET_NAMESPACES')?.value;
    const plain = (await template('applicationNamespaces={team-*}')) as Doc[];
    expect(setRules(plain)).toEqual({});
    expect(envOf(plain)).toBeUndefined();
    const sets = (await template(
      'applicationNamespaces={team-*}',
      'applicationSetNamespaces={team-*}',
    )) as Doc[];
    expect(envOf(sets)).toBe('team-*');
    expect(setRules(sets)).toEqual({
      'ClusterRole/ns1-rel-flotilla-appset-sets': [
        'applicationsets:get,list,watch',
        'applicationsets/status:patch',
        'applications:get,list,watch,create,update,patch,delete',
        'secrets:list',
        'configmaps:get',
      ],
      'ClusterRoleBinding/ns1-rel-flotilla-appset-sets': undefined,
    });
  });

  it('names cluster-scoped objects after the namespace too, so two releases never collide', async () => {
    const docs = await template();
    const clusterScoped = docs.filter((d) => d.kind.startsWith('Cluster'));
    expect(clusterScoped.length).toBeGreaterThan(0);
    for (const d of clusterScoped) expect(d.metadata.name).toMatch(/^ns1-rel-flotilla-/);
  });

  it('refuses an unknown mode and a missing external URL with a clear message', async () => {
    await expect(template('mode=both')).rejects.toThrow(/mode must be split or all-in-one/);
    await expect(template('redis.bundled=false')).rejects.toThrow(
      /redis.url is required when redis.bundled is false/,
    );
  });
});
