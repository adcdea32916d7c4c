import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSideApply } from '@flotilla/kube';
import { run, userCacheDir } from '@flotilla/runtime';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import {
  convertArgoYaml,
  formatValidationErrors,
  validateApplication,
  type Application,
} from '@flotilla/api';
import { installCrds, kubectl } from './support/cluster.js';
import { compatDir } from '@flotilla/testing';

const CHART = join(compatDir(), 'apps');
const MANAGER = 'app-of-apps-test';

describe("Argo CD's app-of-apps example, converted", () => {
  let env: TestEnv;
  let ns: string;
  let applied: Application[] = [];
  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc, env.kube.objects);
    ns = await env.kube.namespace('api-apps');
  });
  afterAll(async () => {
    // No controller runs here to honour the finalizers; release them so the namespace can go.
    for (const app of applied) {
      await serverSideApply(
        env.kube.objects,
        { ...app, metadata: { ...app.metadata, finalizers: [] } },
        { fieldManager: MANAGER },
      ).catch(() => undefined);
    }
    await env[Symbol.asyncDispose]();
  });

  it('renders with the real helm, converts, and applies cleanly', async () => {
    const helm = await resolveTool('helm', { cacheDir: userCacheDir(process.env) });
    const { stdout } = await run(helm, ['template', 'apps', CHART], { timeoutMs: 60_000 });
    const result = convertArgoYaml(stdout, { namespace: ns });

    expect(result.documents).toHaveLength(14);
    expect(result.documents.every((d) => d.converted)).toBe(true);
    expect(result.warnings).toEqual(
      ['kasane', 'kustomized-helm', 'nix'].map(
        (p) =>
          `Application ${ns}/example.plugin-${p}: spec.source.plugin: dropped, config management plugins are not supported; the source is rendered from its files as Helm, Kustomize or plain manifests`,
      ),
    );
    applied = result.documents.map((d) => d.object as Application);
    for (const app of applied) {
      expect(formatValidationErrors(validateApplication(app).errors), app.metadata.name).toBe('');
      await serverSideApply(env.kube.objects, app, { fieldManager: MANAGER });
    }

    const list = JSON.parse(
      await kubectl(env.kube.kubeconfigPath, env.tmpDir, ['get', 'fapp', '-n', ns, '-o', 'json']),
    ) as { items: Application[] };
    const byName = new Map(list.items.map((a) => [a.metadata.name, a]));
    expect([...byName.keys()].sort()).toEqual(applied.map((a) => a.metadata.name).sort());
    for (const app of applied) {
      const live = byName.get(app.metadata.name);
      expect(live?.spec, app.metadata.name).toEqual(app.spec);
      expect(live?.metadata.finalizers).toEqual(['resources-finalizer.flotilla.dev']);
    }
    expect(byName.get('example.helm-guestbook')?.spec.source).toEqual({
      repoURL: 'https://github.com/argoproj/argocd-example-apps',
      path: 'helm-guestbook',
      targetRevision: 'master',
      helm: { releaseName: 'helm-guestbook' },
    });
  });
});
