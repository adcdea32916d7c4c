// Argo CD's rules for what a health script returned (util/lua ExecuteHealthLua):
// a table whose status is one of the six codes, with an optional string message.
import { HealthStatusCode } from '@flotilla/api';
import { isHealthStatusCode } from '../status.js';
import type { HealthResult } from '../types.js';
import type { LuaOutcome } from './protocol.js';

/** Argo CD's message for a status outside the six codes. */
export const INVALID_HEALTH_STATUS = 'Lua returned an invalid health status';

/** The limits a run had, for messages that name them. */
export interface OutcomeContext {
  readonly name: string;
  readonly timeoutMs: number;
  readonly memoryLimitBytes: number;
}

function unknown(message: string): HealthResult {
  return { status: HealthStatusCode.Unknown, message };
}

/** Turns how a run ended into a health result; anything but a valid table is Unknown with a message. */
export function healthFromOutcome(outcome: LuaOutcome, ctx: OutcomeContext): HealthResult {
  switch (outcome.kind) {
    case 'timeout':
      return unknown(
        outcome.message ?? `health script ${ctx.name} did not finish within ${ctx.timeoutMs} ms`,
      );
    case 'memory': {
      const mib = Math.round((ctx.memoryLimitBytes / (1024 * 1024)) * 10) / 10;
      return unknown(`health script ${ctx.name} exceeded its memory limit of ${mib} MiB`);
    }
    case 'error':
      return unknown(outcome.message);
    case 'returned':
      break;
  }
  if (outcome.type !== 'table') {
    return unknown(`expect table output from Lua script, not ${outcome.type}`);
  }
  const status = outcome.status?.text;
  if (!isHealthStatusCode(status)) return unknown(INVALID_HEALTH_STATUS);
  const message = outcome.message;
  if (!message || message.type === 'nil') return { status };
  if (message.type !== 'string') {
    return unknown(`Lua returned a ${message.type} as the health message; it must be a string`);
  }
  return message.text ? { status, message: message.text } : { status };
}
