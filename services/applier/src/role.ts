import type { Role } from '@flotilla/runtime';

/**
 * The applier role: runs sync operations: phases, waves, prune and retries.
 * Its work handlers arrive with the bus; until then it starts and stops cleanly.
 */
export const applierRole: Role = {
  name: 'applier',
  async start() {
    return { stop: async () => undefined };
  },
};
