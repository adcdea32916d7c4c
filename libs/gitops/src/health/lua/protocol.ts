// What a Lua run is asked to do and what it answers, the same whether it runs
// on this thread or in a worker (everything here survives structured cloning).
import type { HealthObject } from '../types.js';

/** One health-script run. */
export interface LuaRunRequest {
  /** Identifies the compiled script in a VM cache: the same key and source reuse a VM. */
  readonly key: string;
  /** The script's name in error messages, e.g. `cert-manager.io/Certificate/health.lua`. */
  readonly name: string;
  readonly source: string;
  readonly object: HealthObject;
  readonly timeoutMs: number;
  readonly memoryLimitBytes: number;
}

/** The type of a Lua value and, for a string, the string. */
export interface LuaValueSummary {
  readonly type: string;
  readonly text?: string;
}

/** How a run ended, before Argo CD's rules turn it into a health result. */
export type LuaOutcome =
  | {
      readonly kind: 'returned';
      /** The Lua type of the script's return value. */
      readonly type: string;
      readonly status?: LuaValueSummary;
      readonly message?: LuaValueSummary;
    }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'timeout'; readonly message?: string }
  | { readonly kind: 'memory' };

/** A finished run and how long the VM spent on it. */
export interface LuaRunReply {
  readonly outcome: LuaOutcome;
  readonly elapsedMs: number;
}

/** Messages from the main thread to a Lua worker. */
export interface LuaWorkerRequest {
  readonly id: number;
  readonly request: LuaRunRequest;
}

/** Messages from a Lua worker to the main thread. */
export type LuaWorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'reply'; readonly id: number; readonly reply: LuaRunReply };
