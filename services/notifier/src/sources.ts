import { APP_PROJECT, API_VERSION } from '@flotilla/api';
import { ApiError, ApplicationClient, rawRequest, type KubeConfig } from '@flotilla/kube';
import { parseNotifyConfig, type NotifierSources, type NotifyConfig } from '@flotilla/notify';
import type { Logger } from '@flotilla/runtime';
import type { NotifierOptions } from './options.js';

const e = encodeURIComponent;

async function getOrUndefined<T>(kc: KubeConfig, path: string): Promise<T | undefined> {
  try {
    return await rawRequest<T>(kc, { method: 'GET', path });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Reads Applications, AppProjects, the notifications ConfigMap and Secret
 * from the apiserver. Settings are cached briefly, so a burst of events reads
 * them once; Secret values are decoded here and never logged.
 */
export function clusterSources(
  kc: KubeConfig,
  namespace: string,
  options: NotifierOptions,
  logger: Logger,
): NotifierSources {
  const apps = new ApplicationClient(kc);
  let cached:
    { at: number; value: { config: NotifyConfig; secrets: Record<string, string> } } | undefined;
  let lastProblems = '';
  return {
    app: async (ns, name) =>
      (await apps.get({ namespace: ns, name })) as Record<string, unknown> | undefined,
    // An app outside the control namespace still uses a project of the control namespace.
    project: (name) =>
      getOrUndefined(
        kc,
        `/apis/${API_VERSION}/namespaces/${e(namespace)}/${APP_PROJECT.plural}/${e(name)}`,
      ),
    async settings() {
      if (cached && Date.now() - cached.at < options.settingsCacheMs) return cached.value;
      const [cm, secret] = await Promise.all([
        getOrUndefined<{ data?: Record<string, string> }>(
          kc,
          `/api/v1/namespaces/${e(namespace)}/configmaps/${e(options.configMap)}`,
        ),
        getOrUndefined<{ data?: Record<string, string> }>(
          kc,
          `/api/v1/namespaces/${e(namespace)}/secrets/${e(options.secret)}`,
        ),
      ]);
      const config = parseNotifyConfig(cm?.data ?? {});
      const problems = config.problems.join('; ');
      if (problems && problems !== lastProblems)
        logger.warn(
          { configMap: options.configMap, problems: config.problems },
          'notification settings have errors',
        );
      lastProblems = problems;
      const secrets = Object.fromEntries(
        Object.entries(secret?.data ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString('utf8'),
        ]),
      );
      cached = { at: Date.now(), value: { config, secrets } };
      return cached.value;
    },
  };
}
