// Health scripts in worker threads. The instruction hook inside the VM stops
// runaway Lua code; a script stuck inside a single C call (say, a pattern match
// with exponential backtracking) never reaches the hook, so the main thread
// also keeps a hard deadline and terminates the worker when it passes.
import { Worker } from 'node:worker_threads';
import type { LuaRunReply, LuaRunRequest, LuaWorkerMessage } from './protocol.js';
import type { LuaRunner } from './runner.js';

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

/** How many workers to keep and how long to wait for them. */
export interface WorkerRunnerOptions {
  readonly workers: number;
  /** How long past a run's timeout a silent worker is given before it is terminated. */
  readonly graceMs: number;
  /** How long a new worker may take to load the Lua runtime. */
  readonly startTimeoutMs: number;
}

interface Job {
  readonly request: LuaRunRequest;
  readonly resolve: (reply: LuaRunReply) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy: boolean;
}

function failed(message: string, elapsedMs = 0): LuaRunReply {
  return { outcome: { kind: 'error', message }, elapsedMs };
}

/** A pool of Lua workers, each running one request at a time. */
export class WorkerLuaRunner implements LuaRunner {
  private readonly slots: Array<Slot | undefined>;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerRunnerOptions) {
    this.slots = Array.from({ length: options.workers }, () => undefined);
  }

  /** Queues a request for the next free worker. */
  run(request: LuaRunRequest): Promise<LuaRunReply> {
    if (this.closed) return Promise.resolve(failed('the Lua runtime is closed'));
    return new Promise((resolve) => {
      this.queue.push({ request, resolve });
      this.pump();
    });
  }

  /** Fails queued requests and terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(failed('the Lua runtime is closed'));
    const workers = this.slots.flatMap((s) => (s ? [s.worker] : []));
    this.slots.fill(undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pump(): void {
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      if (this.slots[i]?.busy) continue;
      const job = this.queue.shift();
      if (!job) break;
      const slot = this.slots[i] ?? this.spawn(i);
      slot.busy = true;
      void this.dispatch(i, slot, job).finally(() => {
        slot.busy = false;
        if (!this.closed) this.pump();
      });
    }
  }

  private spawn(i: number): Slot {
    const worker = new Worker(WORKER_URL);
    // Idle workers must not keep the process alive; a request in flight holds a timer.
    worker.unref();
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.slots[i]?.worker === worker) this.slots[i] = undefined;
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer within ${this.options.startTimeoutMs} ms`)),
        this.options.startTimeoutMs,
      );
      worker.once('message', (m: LuaWorkerMessage) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve();
        else reject(new Error(m.type === 'failed' ? m.error : `unexpected ${m.type}`));
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the worker exited with code ${code}`));
      });
    });
    ready.catch(() => undefined);
    const slot: Slot = { worker, ready, busy: false };
    this.slots[i] = slot;
    return slot;
  }

  private kill(i: number, slot: Slot): void {
    if (this.slots[i] === slot) this.slots[i] = undefined;
    void slot.worker.terminate();
  }

  private async dispatch(i: number, slot: Slot, job: Job): Promise<void> {
    try {
      await slot.ready;
    } catch (err) {
      this.kill(i, slot);
      const why = err instanceof Error ? err.message : String(err);
      job.resolve(failed(`the Lua worker did not start: ${why}`));
      return;
    }
    job.resolve(await this.exchange(i, slot, job.request));
  }

  private exchange(i: number, slot: Slot, request: LuaRunRequest): Promise<LuaRunReply> {
    const id = this.nextId++;
    const started = performance.now();
    const { worker } = slot;
    return new Promise((resolve) => {
      const finish = (reply: LuaRunReply): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(reply);
      };
      const onMessage = (m: LuaWorkerMessage): void => {
        if (m.type === 'reply' && m.id === id) finish(m.reply);
      };
      const onExit = (code: number): void => {
        finish(failed(`the Lua worker exited with code ${code}`, performance.now() - started));
      };
      const timer = setTimeout(() => {
        worker.off('exit', onExit);
        this.kill(i, slot);
        finish({
          outcome: {
            kind: 'timeout',
            message: `health script ${request.name} did not finish within ${request.timeoutMs} ms; its worker was stopped`,
          },
          elapsedMs: performance.now() - started,
        });
      }, request.timeoutMs + this.options.graceMs);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ id, request });
    });
  }
}
