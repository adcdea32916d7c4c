// Writes an operation's progress to status in the background, so the next
// step of a sync never waits for the status write of the last one. Writes go
// out in order, one at a time; while one is in flight only the newest waiting
// state is kept (status holds the whole state, so skipping one loses nothing).
import type { SyncResourceResult } from '@flotilla/gitops';

type Write = (results: readonly SyncResourceResult[], message: string) => Promise<void>;

/** A coalescing, ordered writer of progress; {@link flush} before the final status. */
export class ProgressWriter {
  private last: { results: readonly SyncResourceResult[]; message: string } | undefined;
  private waiting: { results: readonly SyncResourceResult[]; message: string } | undefined;
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(private readonly write: Write) {}

  /**
   * Queues `message` with `results` unless it is what was queued last (watch
   * events wake the executor far more often than anything changes). Throws
   * the error of an earlier write (a lost lease, say).
   */
  report(results: readonly SyncResourceResult[], message: string): void {
    if (this.failure) throw this.failure.error;
    if (this.last?.results === results && this.last.message === message) return;
    this.last = { results, message };
    this.waiting = this.last;
    this.inFlight ??= this.drain();
  }

  /** Resolves when every queued write is done; rejects with the error of a failed one. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure.error;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting && !this.failure) {
        const next = this.waiting;
        this.waiting = undefined;
        await this.write(next.results, next.message);
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.inFlight = undefined;
    }
  }
}
