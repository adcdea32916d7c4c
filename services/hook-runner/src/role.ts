import type { Role } from '@flotilla/runtime';

/**
 * The hook-runner role: runs PreSync, Sync, PostSync and SyncFail hooks.
 * Its work handlers arrive with the bus; until then it starts and stops cleanly.
 */
export const hookRunnerRole: Role = {
  name: 'hook-runner',
  async start() {
    return { stop: async () => undefined };
  },
};
