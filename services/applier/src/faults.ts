// The faults of one sync command, counted in Redis by its stream sequence: the
// command comes back after every wait (a held operation, a retry's backoff, a
// busy lease), so its delivery count says nothing about how often it failed.
import type { Redis } from 'ioredis';

/** Long enough for any command still being redelivered. */
const FAULTS_TTL_MS = 86_400_000;

/** Failed deliveries per command, shared by every applier replica. */
export class CommandFaults {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'flotilla:sync-faults:',
  ) {}

  /** Counts one more failed delivery of the command `sequence` of `app`; returns the count. */
  async add(app: string, sequence: number): Promise<number> {
    const key = `${this.prefix}${app}:${sequence}`;
    const [[, count] = []] =
      (await this.redis.multi().incr(key).pexpire(key, FAULTS_TTL_MS).exec()) ?? [];
    return Number(count);
  }

  /** Forgets the faults of a command that will not come back. */
  async clear(app: string, sequence: number): Promise<void> {
    await this.redis.del(`${this.prefix}${app}:${sequence}`);
  }
}
