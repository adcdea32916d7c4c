import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_VERSION, type AppProject, type Application } from '@flotilla/api';
import { ProjectClient, installCrds } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { flotilla } from './cli.js';

describe('flotilla proj list, get, windows, create and delete; app import of Argo CD AppProjects', () => {
  let env: TestEnv;
  let ns: string;
  let projects: ProjectClient;
  const run = (...args: string[]) =>
    flotilla([...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns]);
  const file = async (name: string, text: string) => {
    const p = join(env.tmpDir, name);
    await writeFile(p, text);
    return p;
  };
  const teamA = {
    apiVersion: API_VERSION,
    kind: 'AppProject',
    metadata: { name: 'team-a' },
    spec: {
      description: 'team A',
      sourceRepos: ['https://git.example.com/team-a/*'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'team-a-*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  };

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    projects = new ProjectClient(env.kube.kc);
  });
  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  it('create -f validates and creates; list and get show the rules', async () => {
    const bad = await file('bad.yaml', JSON.stringify({ ...teamA, spec: { destinations: 'x' } }));
    const refused = await run('proj', 'create', '-f', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was created');
    const app = await file(
      'app.yaml',
      JSON.stringify({ apiVersion: API_VERSION, kind: 'Application', metadata: { name: 'x' } }),
    );
    const notProject = await run('proj', 'create', '-f', app);
    expect(notProject.code).toBe(1);
    expect(notProject.stderr).toContain('takes AppProjects only');

    const f = await file('team-a.yaml', JSON.stringify(teamA));
    const created = await run('proj', 'create', '-f', f);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(`appproject ${ns}/team-a created\n`);
    expect((await projects.get(ns, 'team-a'))?.spec.sourceRepos).toEqual(teamA.spec.sourceRepos);

    const list = await run('proj', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+DESCRIPTION\s+SOURCES\s+DESTINATIONS/);
    expect(list.stdout).toContain('https://git.example.com/team-a/*');
    const json = JSON.parse((await run('proj', 'list', '-o', 'json')).stdout) as AppProject[];
    expect(json.map((p) => p.metadata.name)).toContain('team-a');

    const get = await run('proj', 'get', 'team-a');
    expect(get.stdout).toContain('https://kubernetes.default.svc/team-a-*');
    expect(get.stdout).toContain('Cluster resource whitelist:   ""/Namespace');
    expect(get.stdout).toContain('Namespace resource whitelist: <unset>');
    const yaml = parse((await run('proj', 'get', 'team-a', '-o', 'yaml')).stdout) as AppProject;
    expect(yaml.spec.destinations).toEqual(teamA.spec.destinations);
    const missing = await run('proj', 'get', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`project ${ns}/nope not found`);
  });

  it('windows shows which windows are open now and when each opens next', async () => {
    const f = await file(
      'windows.yaml',
      JSON.stringify({
        apiVersion: API_VERSION,
        kind: 'AppProject',
        metadata: { name: 'windowed' },
        spec: {
          sourceRepos: ['*'],
          syncWindows: [
            // Opens every minute for an hour: always open.
            { kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'] },
            // Opens on 1 January only, for a minute.
            {
              kind: 'allow',
              schedule: '0 0 1 1 *',
              duration: '1m',
              namespaces: ['prod-*'],
              manualSync: true,
            },
          ],
        },
      }),
    );
    expect((await run('proj', 'create', '-f', f)).code).toBe(0);
    const table = await run('proj', 'windows', 'windowed');
    expect(table.code).toBe(0);
    const [head, deny, allow] = table.stdout.trim().split('\n');
    expect(head).toMatch(
      /^KIND\s+SCHEDULE\s+DURATION\s+TIMEZONE\s+MANUAL\s+MATCHES\s+OPEN\s+NEXT-OPENING$/,
    );
    expect(deny).toMatch(/^deny\s+\* \* \* \* \*\s+1h\s+UTC\s+no\s+apps=\*\s+yes, until /);
    expect(allow).toMatch(
      /^allow\s+0 0 1 1 \*\s+1m\s+UTC\s+yes\s+namespaces=prod-\*\s+no\s+\d{4}-01-01T00:00:00.000Z$/,
    );
    const json = JSON.parse((await run('proj', 'windows', 'windowed', '-o', 'json')).stdout) as {
      open: boolean;
    }[];
    expect(json.map((w) => w.open)).toEqual([true, false]);
  });

  it('delete refuses a project apps still name, then deletes it', async () => {
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'user', namespace: ns },
      spec: {
        project: 'team-a',
        source: {
          repoURL: 'https://git.example.com/team-a/x.git',
          targetRevision: 'main',
          path: '.',
        },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'team-a-dev' },
      },
    } as Application);
    const refused = await run('proj', 'delete', 'team-a');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is used by 1 application(s): user');
    expect(await projects.get(ns, 'team-a')).toBeDefined();
    await env.kube.objects
      .delete({
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name: 'user', namespace: ns },
      })
      .catch(() => undefined);
    const deleted = await run('proj', 'delete', 'team-a');
    expect(deleted.stdout).toBe(`appproject ${ns}/team-a deleted\n`);
    expect(await projects.get(ns, 'team-a')).toBeUndefined();
  });

  it('app import converts an argoproj.io AppProject', async () => {
    const argo = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'imported', namespace: 'argocd' },
      spec: {
        sourceRepos: ['*', '!https://git.example.com/secret'],
        destinations: [{ server: '*', namespace: '!kube-system' }],
        namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
      },
    };
    const r = await run('app', 'import', '-f', await file('argo-proj.yaml', JSON.stringify(argo)));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`appproject ${ns}/imported created\n`);
    const p = await projects.get(ns, 'imported');
    expect(p?.apiVersion).toBe(API_VERSION);
    expect(p?.spec.sourceRepos).toEqual(argo.spec.sourceRepos);
    expect(p?.spec.namespaceResourceBlacklist).toEqual(argo.spec.namespaceResourceBlacklist);
  });
});
