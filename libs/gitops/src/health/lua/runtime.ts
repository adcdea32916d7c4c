// Runs health scripts and applies Argo CD's rules to what they return.
import type { CompiledLuaHealthOptions } from '../options.js';
import type { HealthObject, HealthResult } from '../types.js';
import { InlineLuaRunner } from './inline-runner.js';
import type { HealthScript } from './loader.js';
import { healthFromOutcome } from './result.js';
import type { LuaRunner } from './runner.js';
import { WorkerLuaRunner } from './worker-runner.js';

/** Runs Lua health scripts within the configured limits. */
export interface LuaHealthRuntime extends AsyncDisposable {
  /** The script's verdict on `obj`; never rejects: every failure is Unknown with a message. */
  run(script: HealthScript, obj: HealthObject): Promise<HealthResult>;
  /** Stops workers and frees VMs; later runs answer Unknown. */
  close(): Promise<void>;
}

/** A runtime for compiled options; scripts run in workers unless `isolation` is `inline`. */
export function createLuaHealthRuntime(options: CompiledLuaHealthOptions): LuaHealthRuntime {
  const runner: LuaRunner =
    options.isolation === 'inline'
      ? new InlineLuaRunner()
      : new WorkerLuaRunner({
          workers: options.workers,
          graceMs: options.graceMs,
          startTimeoutMs: options.startTimeoutMs,
        });
  const ctx = { timeoutMs: options.timeoutMs, memoryLimitBytes: options.memoryLimitBytes };
  return {
    async run(script, obj) {
      const reply = await runner.run({
        key: script.origin === 'inline' ? `inline:${script.key}` : script.origin,
        name: script.name,
        source: script.source,
        object: obj,
        ...ctx,
      });
      return healthFromOutcome(reply.outcome, { name: script.name, ...ctx });
    },
    close: () => runner.close(),
    [Symbol.asyncDispose]: () => runner.close(),
  };
}
