import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { installCrds as installKubeCrds, rawRequest, type KubeConfig } from '@flotilla/kube';
import { run, userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';
import type { StatusApplyRequest } from '@flotilla/api';

/**
 * Installs (or updates) Flotilla's CRDs as raw JSON and waits until they are
 * Established; see `installCrds` in @flotilla/kube. Tests never delete CRDs.
 */
export async function installCrds(kc: KubeConfig, _objects?: KubernetesObjectApi): Promise<void> {
  await installKubeCrds(kc);
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
export function sendApply(kc: KubeConfig, req: ApplyRequest): Promise<unknown> {
  return rawRequest(kc, req);
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
