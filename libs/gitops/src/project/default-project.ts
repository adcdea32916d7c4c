import { DEFAULT_PROJECT } from '@flotilla/api';
import type { ProjectSpec } from './types.js';

/**
 * The spec of the `default` project created at start when it is missing. As
 * in Argo CD it allows everything: any repository, any destination, every
 * cluster-scoped kind (namespaced kinds are allowed by leaving their
 * whitelist unset).
 */
export function defaultProjectSpec(): ProjectSpec {
  return {
    sourceRepos: ['*'],
    destinations: [{ server: '*', name: '*', namespace: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  };
}

/** The project an app names: `spec.project`, or `default` when empty. */
export function projectNameOf(app: { spec?: { project?: string | undefined } }): string {
  const name = app.spec?.project;
  return name && name !== '' ? name : DEFAULT_PROJECT;
}
