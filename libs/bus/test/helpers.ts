import { createLogger } from '@flotilla/runtime';
import type { Command } from '@flotilla/contracts';

/** A logger that writes nothing (tests assert on behaviour, not log lines). */
export const quietLogger = createLogger({ name: 'test', level: 'silent' });

/** A valid diff command for app `name`. */
export function diffCommand(name: string, reason = 'test'): Command {
  return { version: 1, kind: 'diff', app: { namespace: 'flotilla', name }, reason };
}

/** Resolves when `check` holds, polling every 20 ms, or rejects after `timeoutMs`. */
export async function until(
  check: () => boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
