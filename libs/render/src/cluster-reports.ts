import type { Redis } from 'ioredis';

/**
 * One destination cluster as a role that keeps its watch cache (the differ)
 * last saw it. Connection errors only: never credentials.
 */
export interface ClusterReport {
  readonly name: string;
  readonly server: string;
  /** Objects held in the role's watch cache of the cluster. */
  readonly resources: number;
  /** Kinds the cache watches. */
  readonly kinds: number;
  /** Whether the cache's watches reach the cluster. */
  readonly reachable: boolean;
  /** The last connection error the cache met, and when it began, even when it is over. */
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  /** When the report was written, and how often its writer writes one. */
  readonly reportedAt: string;
  readonly intervalMs: number;
}

/**
 * How many report intervals a report is believed without a newer one, so
 * reports of a role that stopped (or of a cluster no app names any more) are
 * not shown as current.
 */
const INTERVALS_BELIEVED = 3;

/**
 * Per-cluster reports in one Redis hash per control namespace, a field per
 * server URL. Written at a low rate by each differ (replicas hold the same
 * caches, so the last writer's report stands for all), read by
 * `flotilla cluster list|get`.
 */
export class ClusterReports {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    prefix = 'flotilla:clusters:',
  ) {
    this.key = `${prefix}${namespace}`;
  }

  /** Writes `reports`; the hash expires when no role writes it any more. */
  async write(reports: readonly ClusterReport[]): Promise<void> {
    if (reports.length === 0) return;
    const fields = reports.flatMap((r) => [r.server, JSON.stringify(r)]);
    const ttl = Math.max(...reports.map((r) => r.intervalMs)) * INTERVALS_BELIEVED;
    await this.redis
      .multi()
      .hset(this.key, ...fields)
      .pexpire(this.key, ttl)
      .exec();
  }

  /** The current reports by server URL; those no longer believed are left out. */
  async read(now = Date.now()): Promise<Map<string, ClusterReport>> {
    const all = await this.redis.hgetall(this.key);
    const out = new Map<string, ClusterReport>();
    for (const [server, raw] of Object.entries(all)) {
      try {
        const r = JSON.parse(raw) as ClusterReport;
        if (now - Date.parse(r.reportedAt) <= r.intervalMs * INTERVALS_BELIEVED) out.set(server, r);
      } catch {
        // A field this version cannot read is no report.
      }
    }
    return out;
  }
}
