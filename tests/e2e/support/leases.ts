import { Redis } from 'ioredis';

const SYNC_LEASES = 'flotilla:lease:sync:*';

/**
 * The sync leases held right now, as holder -> number of apps (the applier's
 * `LeaseManager` stores `<holder>|<fencing token>` under
 * `flotilla:lease:sync:<ns>/<app>`).
 */
export async function syncLeaseHolders(redisUrl: string): Promise<Map<string, number>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', SYNC_LEASES, 'COUNT', 500);
      cursor = next;
      keys.push(...batch.filter((k) => !k.endsWith(':token')));
    } while (cursor !== '0');
    const holders = new Map<string, number>();
    const values = keys.length > 0 ? await redis.mget(keys) : [];
    for (const value of values) {
      if (!value) continue; // expired between SCAN and MGET
      const holder = value.slice(0, value.lastIndexOf('|'));
      holders.set(holder, (holders.get(holder) ?? 0) + 1);
    }
    return holders;
  } finally {
    redis.disconnect();
  }
}
