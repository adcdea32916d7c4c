import type { Role } from '@flotilla/runtime';

/**
 * The git-poller role: resolves each Application source's targetRevision to a commit SHA (polling and webhooks).
 * Its work handlers arrive with the bus; until then it starts and stops cleanly.
 */
export const gitPollerRole: Role = {
  name: 'git-poller',
  async start() {
    return { stop: async () => undefined };
  },
};
