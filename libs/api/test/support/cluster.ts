import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig, KubernetesObjectApi } from '@flotilla/kube';
import { run, userCacheDir } from '@flotilla/runtime';
import { waitFor } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import { APPLY_PATCH_CONTENT_TYPE, allCrds, type StatusApplyRequest } from '../../src/index.js';

/** Field manager the tests install CRDs with; every suite uses the same one. */
export const CRD_FIELD_MANAGER = 'flotilla-crds';

/**
 * Installs (or updates) Flotilla's CRDs and waits until they are Established.
 * Safe to run from several suites at once: a forced server-side apply of the
 * same content by the same manager is idempotent. Tests never delete CRDs;
 * other suites may be using them.
 *
 * The CRDs go out as raw JSON: @kubernetes/client-node's serializer (behind
 * serverSideApply) rebuilds a CRD from its typed model and silently drops the
 * `x-kubernetes-*` and `enum` keys of every schema under `properties`.
 */
export async function installCrds(kc: KubeConfig, objects: KubernetesObjectApi): Promise<void> {
  const crds = allCrds();
  for (const crd of crds) {
    await sendApply(kc, {
      method: 'PATCH',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      query: { fieldManager: CRD_FIELD_MANAGER, force: 'true' },
      contentType: APPLY_PATCH_CONTENT_TYPE,
      body: crd,
    });
  }
  for (const crd of crds) {
    await waitFor(
      `CRD ${crd.metadata.name} Established`,
      async () => {
        const live = (await objects.read({
          apiVersion: crd.apiVersion,
          kind: crd.kind,
          metadata: { name: crd.metadata.name },
        })) as { status?: { conditions?: { type: string; status: string }[] } };
        return (
          live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ===
          true
        );
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }
}

/** Runs the provisioned kubectl against the test cluster, with its own discovery cache. */
export async function kubectl(
  kubeconfigPath: string,
  cacheDir: string,
  args: readonly string[],
): Promise<string> {
  const bin = await resolveTool('kubectl', { cacheDir: userCacheDir(process.env) });
  const { stdout } = await run(
    bin,
    ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args],
    {
      timeoutMs: 60_000,
    },
  );
  return stdout;
}

/** An apply request, as statusApplyRequest builds them. */
type ApplyRequest = Omit<StatusApplyRequest, 'body'> & { readonly body: unknown };

/** Sends a server-side apply request (one statusApplyRequest built, say) as raw JSON. */
export async function sendApply(kc: KubeConfig, req: ApplyRequest): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(req.path, server);
  for (const [k, v] of Object.entries(req.query)) url.searchParams.set(k, v);
  const options: RequestOptions = {
    method: req.method,
    headers: { 'Content-Type': req.contentType, Accept: 'application/json' },
  };
  await kc.applyToHTTPSOptions(options);
  const body = JSON.stringify(req.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = send(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`HTTP ${res.statusCode}: ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** The message of a rejected apiserver call (the Status body's message when there is one). */
export function apiErrorMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? body);
    } catch {
      return body;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
