// Users' health customizations, read from the settings ConfigMaps of the
// control namespace and applied to a live assessor whenever they change.
import { createHash } from 'node:crypto';
import type { KubeAccess } from './kubeconfig.js';
import {
  HEALTH_CONFIG_MAPS,
  createReloadableHealthAssessor,
  healthCustomizationsFrom,
  type LuaHealthOptions,
  type ReloadableHealthAssessor,
} from '@flotilla/gitops';
import type { Logger } from '@flotilla/runtime';
import { watchConfigMaps } from './configmaps.js';

/** An assessor that follows the health customizations; stop it on shutdown. */
export interface HealthConfigWatch {
  readonly assessor: ReloadableHealthAssessor;
  /** Stops watching and closes the assessor. */
  stop(): Promise<void>;
}

/** Where the customizations live and what to tell when they change. */
export interface HealthConfigOptions {
  readonly kc: KubeAccess;
  /** The control namespace, holding `flotilla-cm` and `argocd-cm`. */
  readonly namespace: string;
  readonly logger: Logger;
  readonly lua?: LuaHealthOptions;
  /**
   * Called after a change was applied (not for the first load), with a digest
   * of the new data: the same for every replica that sees the same change.
   */
  readonly changed?: (digest: string) => void;
}

/**
 * Creates an assessor from `flotilla-cm` and `argocd-cm` (the first winning for
 * a kind) and keeps it in step with them. Invalid customizations are refused
 * with an error log and the previous ones stay in force.
 */
export async function watchHealthConfig(options: HealthConfigOptions): Promise<HealthConfigWatch> {
  const { logger, lua } = options;
  const assessor = createReloadableHealthAssessor({ ...(lua ? { lua } : {}) });
  let loaded = false;
  const watch = await watchConfigMaps(options.kc, {
    namespace: options.namespace,
    names: HEALTH_CONFIG_MAPS,
    onChange: (maps) => {
      try {
        const { scripts, openLibs } = healthCustomizationsFrom(maps);
        assessor.reload({ scripts, ...(lua ? { lua } : {}) });
        logger.info(
          { kinds: Object.keys(scripts).sort(), useOpenLibs: openLibs },
          'health customizations loaded',
        );
      } catch (err) {
        logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'health customizations refused; the previous ones stay in force',
        );
        return;
      }
      const first = !loaded;
      loaded = true;
      if (first) return;
      const digest = createHash('sha256').update(JSON.stringify(maps)).digest('hex').slice(0, 16);
      options.changed?.(digest);
    },
    onError: (err) =>
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'settings ConfigMap watch broke; restarting',
      ),
  });
  return {
    assessor,
    async stop() {
      await watch.stop();
      await assessor.close();
    },
  };
}
