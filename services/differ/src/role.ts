import type { Role } from '@flotilla/runtime';

/**
 * The differ role: compares desired and live state, assesses health and detects drift.
 * Its work handlers arrive with the bus; until then it starts and stops cleanly.
 */
export const differRole: Role = {
  name: 'differ',
  async start() {
    return { stop: async () => undefined };
  },
};
