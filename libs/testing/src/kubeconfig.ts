import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig of the test cluster, provided by the integration global setup. */
    flotillaKubeconfig: string;
  }
}

/**
 * The kubeconfig tests use: the one the integration global setup provided
 * (the local control plane, or the cluster `KUBECONFIG` names).
 */
export function testKubeconfig(): string {
  const path = inject('flotillaKubeconfig');
  if (!path)
    throw new Error(
      'no test cluster: run integration tests through `npm test` (vitest global setup)',
    );
  return path;
}
