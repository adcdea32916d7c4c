// What a long `go build -v` is doing, as progress lines: the step (module
// downloads, then compiling packages), how far along, the time spent and
// the time such a build usually takes.

/** Options of {@link GoBuildProgress}. */
export interface GoBuildProgressOptions {
  /** What is being built, as the lines name it. */
  readonly label: string;
  /** How long this build usually takes, for the lines ("about 6 min"). */
  readonly expected: string;
  readonly log: (msg: string) => void;
  /** Least time between two lines of the same step; 15 s unless set. */
  readonly everyMs?: number;
  readonly now?: () => number;
}

type Step = 'starting' | 'downloading' | 'compiling';

/** `95 s`, `3 min 05 s`. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Turns the stderr of `go build -v` into a progress line at each change of
 * step and then at most every `everyMs`: `go: downloading m v` lines are the
 * download step, any other line names a package being compiled.
 */
export class GoBuildProgress {
  private readonly started: number;
  private readonly now: () => number;
  private readonly everyMs: number;
  private step: Step = 'starting';
  private downloads = 0;
  private packages = 0;
  private lastPackage = '';
  private lastLogAt = 0;
  private partial = '';

  constructor(private readonly o: GoBuildProgressOptions) {
    this.now = o.now ?? Date.now;
    this.everyMs = o.everyMs ?? 15_000;
    this.started = this.now();
    this.lastLogAt = this.started;
  }

  /** Feeds a chunk of the build's stderr. */
  write(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      const download = /^go: downloading (\S+)/.exec(line);
      if (download) {
        this.downloads++;
        this.enter('downloading');
      } else if (!line.startsWith('go: ') && !line.startsWith('#')) {
        this.packages++;
        this.lastPackage = line;
        this.enter('compiling');
      }
    }
    this.tick();
  }

  /** Logs a line when `everyMs` passed since the last; call it on a timer too. */
  tick(): void {
    if (this.now() - this.lastLogAt >= this.everyMs) this.report();
  }

  /** The line the next report would print. */
  describe(): string {
    const what =
      this.step === 'downloading'
        ? `downloading Go modules (${this.downloads} so far)`
        : this.step === 'compiling'
          ? `compiling (${this.packages} packages so far, now ${this.lastPackage})`
          : 'resolving Go modules';
    return `${this.o.label}: ${what}; ${formatElapsed(this.now() - this.started)} elapsed, usually ${this.o.expected}`;
  }

  private enter(step: Step): void {
    if (this.step === step) return;
    this.step = step;
    this.report();
  }

  private report(): void {
    this.lastLogAt = this.now();
    this.o.log(this.describe());
  }
}
