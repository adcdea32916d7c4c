// Runs jq path expressions in a worker thread that is killed when it runs too
// long or dies of memory, so a hostile expression (CVE-2024-32476 was an OOM
// in Argo CD) costs one resource an error, never the process.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JqError, JqFailure } from '../errors.js';
import type { PathSegment } from '../pointer.js';
import { compileJqOptions, type CompiledJqOptions, type JqOptions } from './options.js';
import { JQ_WORKER_SOURCE } from './worker-source.js';

interface Reply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly fatal?: string;
  readonly output?: string;
  readonly error?: 'memory' | 'output' | 'jq';
  readonly message?: string;
}

// Expressions share jq-wasm's argument stack with the object.
const MAX_EXPRESSION = 16 * 1024;

let jqModulePath: string | undefined;
function resolveJqModule(): string {
  jqModulePath ??= join(
    dirname(createRequire(import.meta.url).resolve('jq-wasm')),
    'build',
    'jq.js',
  );
  return jqModulePath;
}

/**
 * A jq sandbox: one worker thread, one expression at a time. Create one per
 * process and share it; {@link JqRunner.close} stops the thread.
 */
export class JqRunner {
  readonly options: CompiledJqOptions;
  private live: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private closed = false;

  constructor(options: JqOptions = {}) {
    this.options = compileJqOptions(options);
  }

  /**
   * The paths `expression` selects in `doc`: what `del(expression)` would
   * delete. Rejects with a {@link JqError} on a timeout, memory exhaustion,
   * an over-large object or answer, a compile error or a runtime error.
   */
  paths(doc: unknown, expression: string): Promise<PathSegment[][]> {
    if (expression.length > MAX_EXPRESSION) {
      const message = `jq expression is longer than ${MAX_EXPRESSION} characters`;
      return Promise.reject(new JqError(JqFailure.Compile, message, expression));
    }
    const input = JSON.stringify(doc);
    if (Buffer.byteLength(input) > this.options.maxInputBytes) {
      const limit = this.options.maxInputBytes;
      return Promise.reject(
        new JqError(
          JqFailure.InputTooLarge,
          `object is larger than the jq input limit of ${limit} bytes`,
          expression,
        ),
      );
    }
    const run = this.tail.then(() => this.runOne(input, expression));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Stops the sandbox thread; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.live;
    this.live = undefined;
    this.starting = undefined;
    await worker?.terminate();
  }

  private async runOne(input: string, expression: string): Promise<PathSegment[][]> {
    const worker = await this.start(expression);
    const id = ++this.nextId;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const fail = (failure: JqFailure, message: string) => {
        cleanup();
        this.discard();
        reject(new JqError(failure, message, expression));
      };
      const timer = setTimeout(
        () => fail(JqFailure.Timeout, `jq expression ran longer than ${this.options.timeoutMs} ms`),
        this.options.timeoutMs,
      );
      const onMessage = (m: Reply) => {
        if (m.id !== id) return;
        cleanup();
        resolve(m);
      };
      const onError = (err: Error & { code?: string }) =>
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? fail(JqFailure.Memory, 'jq expression ran out of memory')
          : fail(JqFailure.Sandbox, `jq sandbox failed: ${err.message}`);
      const onExit = () => fail(JqFailure.Sandbox, 'jq sandbox stopped');
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({
        id,
        // The newline ends a trailing `# comment` in the expression.
        program: `[$o | path(${expression}\n)]`,
        input,
        maxOutputBytes: this.options.maxOutputBytes,
      });
    });
    return this.interpret(reply, expression);
  }

  private interpret(reply: Reply, expression: string): PathSegment[][] {
    if (reply.error === 'memory') {
      this.discard();
      throw new JqError(JqFailure.Memory, 'jq expression ran out of memory', expression);
    }
    if (reply.error === 'output') {
      const limit = this.options.maxOutputBytes;
      throw new JqError(JqFailure.OutputTooLarge, `jq answer exceeds ${limit} bytes`, expression);
    }
    if (reply.error === 'jq') {
      const detail = reply.message ?? '';
      const compile = /compile error|syntax error/.test(detail);
      const failure = compile ? JqFailure.Compile : JqFailure.Runtime;
      const what = compile ? 'does not compile' : 'failed on this object';
      throw new JqError(failure, `jq expression ${what}`, expression, detail);
    }
    const output = reply.output?.trim() ?? '';
    if (output === '') return [];
    const parsed: unknown = JSON.parse(output);
    if (!Array.isArray(parsed) || !parsed.every(isPath)) {
      throw new JqError(JqFailure.Sandbox, 'jq sandbox gave a malformed answer', expression);
    }
    return parsed;
  }

  private start(expression: string): Promise<Worker> {
    if (this.closed) {
      return Promise.reject(new JqError(JqFailure.Sandbox, 'jq sandbox is closed', expression));
    }
    this.starting ??= this.spawn(expression);
    return this.starting;
  }

  private spawn(expression: string): Promise<Worker> {
    const worker = new Worker(JQ_WORKER_SOURCE, {
      eval: true,
      workerData: { jqPath: resolveJqModule() },
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb },
      stdout: true,
      stderr: true,
    });
    this.live = worker;
    worker.unref();
    worker.stdout.resume();
    worker.stderr.resume();
    // A thread that dies between expressions is replaced on the next one.
    worker.on('error', () => this.live === worker && this.discard());
    worker.on('exit', () => this.live === worker && this.discard());
    return new Promise<Worker>((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(timer);
        if (this.live === worker) this.discard();
        reject(new JqError(JqFailure.Sandbox, message, expression));
      };
      const timer = setTimeout(
        () => fail('jq sandbox did not start in time'),
        this.options.startupTimeoutMs,
      );
      worker.once('message', (m: Reply) => {
        if (!m.ready) return fail(`jq sandbox did not start: ${m.fatal ?? 'unknown reason'}`);
        clearTimeout(timer);
        resolve(worker);
      });
      worker.once('error', (err) => fail(`jq sandbox did not start: ${err.message}`));
      worker.once('exit', () => fail('jq sandbox stopped while starting'));
    });
  }

  // Kills the thread; the next expression starts a fresh one.
  private discard(): void {
    const worker = this.live;
    this.live = undefined;
    this.starting = undefined;
    void worker?.terminate().catch(() => undefined);
  }
}

function isPath(value: unknown): value is PathSegment[] {
  return Array.isArray(value) && value.every((s) => typeof s === 'string' || typeof s === 'number');
}

let shared: JqRunner | undefined;

/** A process-wide sandbox with default bounds, started on first use. */
export function defaultJqRunner(): JqRunner {
  shared ??= new JqRunner();
  return shared;
}
