import type { Role } from '@flotilla/runtime';

/**
 * The renderer role: renders Helm charts, Kustomize overlays and directories into a canonical manifest set.
 * Its work handlers arrive with the bus; until then it starts and stops cleanly.
 */
export const rendererRole: Role = {
  name: 'renderer',
  async start() {
    return { stop: async () => undefined };
  },
};
