import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application } from '@flotilla/api';
import { GoTemplateClient, Templates, rawMeta } from '@flotilla/appset';
import { installCrds, rawRequest } from '@flotilla/kube';
import { userCacheDir } from '@flotilla/runtime';
import { startEnv, startFakeScm, type TestEnv } from '@flotilla/testing';
import { provisionGoTemplate } from '@flotilla/toolchain';
import { AppSetReconciler } from '../src/reconcile.js';
import { readSecret } from '../src/sources.js';
import { ARGO_REPO, EXAMPLE_CLUSTERS, argoRepoTree, loadExamples, type Example } from './compat.js';
import { cond, createSet, dropFinalizers, getSet, listApps } from './helpers.js';

// Argo CD's own ApplicationSet examples (shared/compat, read in place): each
// converted, created in the apiserver and reconciled. Outcomes are those of
// the table in docs/compatibility.md.
type Want = { apps: string[] } | { error: string };
const apps = (...names: string[]): Want => ({ apps: names.sort() });
const error = (reason: string): Want => ({ error: reason });
const guestbookDevProd = apps('engineering-dev-guestbook', 'engineering-prod-guestbook');
const clusterGuestbooks = apps('production-guestbook', 'staging-guestbook', 'in-cluster-guestbook');
const addons = apps('argo-workflows', 'prometheus-operator');
const unsupported = error('ApplicationParamsGenerationError');
const unreachableRepo = error('ApplicationParamsGenerationError');
// Its token Secret (github-token) does not exist here; a test below gives it one.
const noTokenSecret = error('ApplicationParamsGenerationError');
// api.github.com and gitlab.com cannot be reached here; a test below runs one against the fake.
const noScmHost = error('ApplicationParamsGenerationError');

const EXPECTED: Record<string, Want> = {
  'applications-sync-policies/create-only.yaml': guestbookDevProd,
  'applications-sync-policies/create-update.yaml': guestbookDevProd,
  'cluster/cluster-example-fasttemplate.yaml': clusterGuestbooks,
  'cluster/cluster-example.yaml': clusterGuestbooks,
  'clusterDecisionResource/ducktype-example-fasttemplate.yaml': unsupported,
  'clusterDecisionResource/ducktype-example.yaml': unsupported,
  // The design doc's examples have no spec.project.
  'design-doc/applicationset-fasttemplate.yaml': error('ApplicationValidationError'),
  'design-doc/applicationset.yaml': error('ApplicationValidationError'),
  // Go syntax ({{.name}}) without goTemplate: the name stays a template.
  'design-doc/clusters.yaml': error('ApplicationValidationError'),
  'design-doc/git-directory-discovery-fasttemplate.yaml': unreachableRepo,
  'design-doc/git-directory-discovery.yaml': unreachableRepo,
  'design-doc/git-files-discovery-fasttemplate.yaml': unreachableRepo,
  'design-doc/git-files-discovery.yaml': unreachableRepo,
  'design-doc/git-files-literal-fasttemplate.yaml': unreachableRepo,
  'design-doc/git-files-literal.yaml': unreachableRepo,
  'design-doc/list-fasttemplate.yaml': apps(
    'engineering-dev-guestbook',
    'engineering-prod-guestbook',
    'finance-preprod-guestbook',
  ),
  'design-doc/list.yaml': apps(
    'engineering-dev-guestbook',
    'engineering-prod-guestbook',
    'finance-preprod-guestbook',
  ),
  'design-doc/proposal/filters.yaml': unreachableRepo,
  'design-doc/template-override-fasttemplate.yaml': guestbookDevProd,
  'design-doc/template-override.yaml': guestbookDevProd,
  'git-generator-directory/excludes/git-directories-exclude-example-fasttemplate.yaml': addons,
  'git-generator-directory/excludes/git-directories-exclude-example.yaml': addons,
  'git-generator-directory/git-directories-example-fasttemplate.yaml': addons,
  'git-generator-directory/git-directories-example.yaml': addons,
  'git-generator-files-discovery/excludes/git-files-exclude-example-fasttemplate.yaml': apps(
    'engineering-prod-guestbook',
  ),
  'git-generator-files-discovery/excludes/git-files-exclude-example.yaml': apps(
    'engineering-prod-guestbook',
  ),
  'git-generator-files-discovery/git-generator-files-fasttemplate.yaml': guestbookDevProd,
  'git-generator-files-discovery/git-generator-files.yaml': guestbookDevProd,
  'list-generator/list-example-fasttemplate.yaml': guestbookDevProd,
  'list-generator/list-example.yaml': guestbookDevProd,
  'matrix/cluster-and-git-fasttemplate.yaml': apps(
    'argo-workflows-production',
    'argo-workflows-staging',
    'prometheus-operator-production',
    'prometheus-operator-staging',
  ),
  'matrix/cluster-and-git.yaml': apps(
    'argo-workflows-production',
    'argo-workflows-staging',
    'prometheus-operator-production',
    'prometheus-operator-staging',
  ),
  'matrix/list-and-git-fasttemplate.yaml': apps(
    'argo-workflows-engineering-dev',
    'argo-workflows-engineering-prod',
    'prometheus-operator-engineering-dev',
    'prometheus-operator-engineering-prod',
  ),
  'matrix/list-and-git.yaml': apps(
    'argo-workflows-engineering-dev',
    'argo-workflows-engineering-prod',
    'prometheus-operator-engineering-dev',
    'prometheus-operator-engineering-prod',
  ),
  'matrix/list-and-list-fasttemplate.yaml': apps(
    'engineering-dev-1',
    'engineering-dev-2',
    'engineering-prod-1',
    'engineering-prod-2',
  ),
  // Its template reads .path.path, which two lists do not give: missingkey=error says so.
  'matrix/list-and-list.yaml': error('RenderTemplateParamsError'),
  'matrix/matrix-and-union-in-matrix-fasttemplate.yaml': apps(
    ...['dev-1', 'dev-2', 'prod-1', 'prod-2'].flatMap((s) => [
      `first-engineering-${s}`,
      `second-engineering-${s}`,
    ]),
  ),
  'matrix/matrix-and-union-in-matrix.yaml': apps(
    ...['dev-1', 'dev-2', 'prod-1', 'prod-2'].flatMap((s) => [
      `first-engineering-${s}`,
      `second-engineering-${s}`,
    ]),
  ),
  'merge/merge-clusters-and-list-fasttemplate.yaml': apps('production', 'staging', 'in-cluster'),
  'merge/merge-clusters-and-list.yaml': apps('production', 'staging', 'in-cluster'),
  'merge/merge-two-matrixes-fasttemplate.yaml': apps(
    ...['production', 'staging', 'in-cluster'].flatMap((c) => [
      `${c}-guestbook-staging`,
      `${c}-guestbook-prod`,
    ]),
  ),
  'merge/merge-two-matrixes.yaml': apps(
    ...['production', 'staging', 'in-cluster'].flatMap((c) => [
      `${c}-guestbook-staging`,
      `${c}-guestbook-prod`,
    ]),
  ),
  'pull-request-generator/pull-request-example-fasttemplate.yaml': noTokenSecret,
  'pull-request-generator/pull-request-example.yaml': noTokenSecret,
  'scm-provider-generator/scm-provider-example-fasttemplate-gitlab.yaml': noScmHost,
  'scm-provider-generator/scm-provider-example-fasttemplate.yaml': noScmHost,
  'scm-provider-generator/scm-provider-example.yaml': noScmHost,
  'template-override/template-overrides-example-fasttemplate.yaml': apps(
    'engineering-dev-guestbook',
  ),
  'template-override/template-overrides-example.yaml': apps('engineering-dev-guestbook'),
};

describe('Argo CD’s ApplicationSet examples', () => {
  let env: TestEnv;
  let go: GoTemplateClient;
  let reconciler: AppSetReconciler;
  let examples: Example[];

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    go = new GoTemplateClient(await provisionGoTemplate({ cacheDir: userCacheDir(process.env) }));
    const tree = await argoRepoTree();
    reconciler = new AppSetReconciler({
      kc: env.kube.kc,
      templates: new Templates(go),
      maxApplications: 1000,
      clusters: async () => EXAMPLE_CLUSTERS,
      gitTree: async (url) => {
        if (url !== ARGO_REPO) throw new Error(`repository ${url} is not reachable`);
        return tree;
      },
      secret: (ns, name) => readSecret(env.kube.kc, ns, name),
    });
    examples = await loadExamples('placeholder');
  }, 900_000);
  afterAll(async () => {
    go?.close();
    await env?.[Symbol.asyncDispose]();
  });

  it('covers every ApplicationSet in the examples', () => {
    expect(examples.map((e) => e.file).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (file, want) => {
    const ex = examples.find((e) => e.file === file)!;
    const ns = await env.kube.namespace('compat');
    const set = structuredClone(ex.set);
    set.metadata.namespace = ns;
    const created = await createSet(env.kube.kc, set);
    const ref = { namespace: ns, name: set.metadata.name ?? '' };
    await reconciler.reconcile(ref);
    const status = await getSet(env.kube.kc, ns, ref.name);
    await dropFinalizers(env.kube.kc, ns);
    const owned = (await listApps(env.kube.kc, ns)).filter((a: Application) =>
      ((rawMeta(a)['ownerReferences'] as { uid?: string }[] | undefined) ?? []).some(
        (r) => r.uid === rawMeta(created)['uid'],
      ),
    );
    if ('apps' in want) {
      expect(cond(status, 'ErrorOccurred')).toMatchObject({ status: 'False' });
      expect(owned.map((a) => a.metadata.name).sort()).toEqual(want.apps);
    } else {
      expect(cond(status, 'ErrorOccurred')).toMatchObject({ status: 'True', reason: want.error });
      if (want.error === 'ApplicationParamsGenerationError') expect(owned).toEqual([]);
    }
  });

  it('runs the pullRequest example once its API and token Secret exist', async () => {
    // The example's only change: its GitHub Enterprise URL (git.example.com)
    // points at the fake GitHub API of @flotilla/testing.
    await using scm = await startFakeScm();
    scm.setAuth({ token: 'example-token' });
    scm.setPulls('myorg/myrepo', [
      {
        number: 7,
        title: 'preview me',
        branch: 'feat-a',
        targetBranch: 'main',
        headSha: 'f'.repeat(40),
        labels: ['preview'],
      },
      {
        number: 8,
        title: 'not labelled',
        branch: 'feat-b',
        targetBranch: 'main',
        headSha: 'e'.repeat(40),
      },
    ]);
    const ns = await env.kube.namespace('compat-pr');
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'github-token' },
        stringData: { token: 'example-token' },
      },
    });
    const ex = examples.find((e) => e.file === 'pull-request-generator/pull-request-example.yaml')!;
    const set = structuredClone(ex.set);
    set.metadata.namespace = ns;
    const github = (set.spec.generators[0]!.pullRequest as { github: { api: string } }).github;
    expect(github.api).toBe('https://git.example.com/');
    github.api = scm.baseUrl;
    await createSet(env.kube.kc, set);
    await reconciler.reconcile({ namespace: ns, name: set.metadata.name ?? '' });
    await dropFinalizers(env.kube.kc, ns);
    const [app, ...rest] = await listApps(env.kube.kc, ns);
    expect(rest).toEqual([]);
    expect(app?.metadata).toMatchObject({ name: 'myapp-feat-a-7', labels: { key1: 'preview' } });
    expect(app?.spec.source?.targetRevision).toBe('f'.repeat(40));
    expect(app?.spec.destination.namespace).toBe('feat-a-7');
  });

  it('runs the scmProvider example against a GitHub API that has its organisation', async () => {
    // The example's only change: an api (it reads api.github.com) pointing
    // at the fake GitHub API of @flotilla/testing.
    await using scm = await startFakeScm();
    scm.setRepos('argoproj', [
      { name: 'argo-cd', branches: { main: { sha: 'a'.repeat(40) } } },
      {
        name: 'argocd-example-apps',
        defaultBranch: 'master',
        branches: { master: { sha: 'b'.repeat(40), files: ['guestbook/guestbook-ui-svc.yaml'] } },
      },
    ]);
    const ns = await env.kube.namespace('compat-scm');
    const ex = examples.find((e) => e.file === 'scm-provider-generator/scm-provider-example.yaml')!;
    const set = structuredClone(ex.set);
    set.metadata.namespace = ns;
    const github = (set.spec.generators[0]!.scmProvider as { github: Record<string, unknown> })
      .github;
    expect(github['api']).toBeUndefined();
    github['api'] = scm.baseUrl;
    await createSet(env.kube.kc, set);
    await reconciler.reconcile({ namespace: ns, name: set.metadata.name ?? '' });
    await dropFinalizers(env.kube.kc, ns);
    const [app, ...rest] = await listApps(env.kube.kc, ns);
    expect(rest).toEqual([]);
    expect(app?.metadata.name).toBe('argocd-example-apps-guestbook');
    expect(app?.spec.source).toMatchObject({
      repoURL: `${scm.baseUrl}/argoproj/argocd-example-apps.git`,
      targetRevision: 'master',
    });
  });
});
