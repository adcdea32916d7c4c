// Writes an operation's progress to status in the background, so the next
// step of a sync never waits for the status write of the last one. Writes go
// out in order, one at a time; while one is in flight only the newest waiting
// state is kept (status holds the whole state, so skipping one loses nothing).
// A change of the message alone waits a little before it is written, and is
// dropped when the final status comes first: a short sync then costs no write
// between its Running state and its end. So do new results that are not
// urgent (resources applied, as the executor tells): a resume after a crash
// that misses them applies those resources again, which changes nothing, and a
// sync of many waves writes its status about once a second, not once a wave.
// Urgent results (hooks, prunes, failures) are written at once, except in an
// operation nothing resumes from status (no hooks; its command restarts it),
// which holds all of its progress for a longer delay.
import type { SyncResourceResult } from '@flotilla/gitops';

type Write = (results: readonly SyncResourceResult[], message: string) => Promise<void>;
type Report = { results: readonly SyncResourceResult[]; message: string };

/** Options of a {@link ProgressWriter}. */
export interface ProgressWriterOptions {
  /** The results status holds already (written before the writer started). */
  readonly written?: readonly SyncResourceResult[];
  /** How long a change of the message alone waits; 1 s unless set. */
  readonly messageDelayMs?: number;
  /**
   * When set, new results wait this long too, like a change of the message: for an
   * operation that nothing resumes from status (no hooks; its command restarts it), so
   * a short one writes nothing before its end, however loaded the apiserver is.
   */
  readonly resultsDelayMs?: number;
}

/** A coalescing, ordered writer of progress; {@link flush} before the final status. */
export class ProgressWriter {
  private last: Report | undefined;
  private waiting: Report | undefined;
  private deferred: Report | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The results of the newest state written or queued. */
  private writtenResults: readonly SyncResourceResult[] | undefined;
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  private readonly messageDelayMs: number;
  private readonly resultsDelayMs: number | undefined;

  constructor(
    private readonly write: Write,
    options: ProgressWriterOptions = {},
  ) {
    this.writtenResults = options.written;
    this.messageDelayMs = options.messageDelayMs ?? 1_000;
    this.resultsDelayMs = options.resultsDelayMs;
  }

  /**
   * Queues `message` with `results` unless it is what was queued last (watch
   * events wake the executor far more often than anything changes). New
   * results are written at once when `urgent`; the same results with another
   * message, or new results that are not urgent, wait for the message delay.
   * Throws the error of an earlier write (a lost lease, say).
   */
  report(results: readonly SyncResourceResult[], message: string, urgent = true): void {
    if (this.failure) throw this.failure.error;
    if (this.last?.results === results && this.last.message === message) return;
    this.last = { results, message };
    // A quiet operation holds everything for its own delay; otherwise only what is not urgent.
    if (this.resultsDelayMs !== undefined) this.defer(this.resultsDelayMs);
    else if (results === this.writtenResults || !urgent) this.defer(this.messageDelayMs);
    else this.queue(this.last);
  }

  /** Keeps the newest report, to be written when the first deferral's delay is up. */
  private defer(delayMs: number): void {
    this.deferred = this.last;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.deferred) this.queue(this.deferred);
    }, delayMs);
    this.timer.unref?.();
  }

  /**
   * Resolves when every queued write is done, dropping a change of the message
   * alone that is still waiting (the final status replaces it); rejects with
   * the error of a failed write.
   */
  async flush(): Promise<void> {
    this.cancelDeferred();
    await this.inFlight;
    if (this.failure) throw this.failure.error;
  }

  private queue(report: Report): void {
    this.cancelDeferred();
    this.writtenResults = report.results;
    this.waiting = report;
    this.inFlight ??= this.drain();
  }

  private cancelDeferred(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.deferred = undefined;
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
