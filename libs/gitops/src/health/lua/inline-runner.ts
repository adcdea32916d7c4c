// Health scripts on the calling thread: no messaging cost, but a script stuck
// inside one C function (a pathological pattern match) blocks the thread.
import { LuaScriptHost } from './host.js';
import type { LuaRunReply, LuaRunRequest } from './protocol.js';
import type { LuaRunner } from './runner.js';

/** A runner that keeps one {@link LuaScriptHost} on the calling thread. */
export class InlineLuaRunner implements LuaRunner {
  private host: Promise<LuaScriptHost> | undefined;

  /** Runs a request, creating the host on first use. */
  async run(request: LuaRunRequest): Promise<LuaRunReply> {
    this.host ??= LuaScriptHost.create();
    let host: LuaScriptHost;
    try {
      host = await this.host;
    } catch (err) {
      this.host = undefined;
      const why = err instanceof Error ? err.message : String(err);
      return {
        outcome: { kind: 'error', message: `the Lua runtime did not start: ${why}` },
        elapsedMs: 0,
      };
    }
    return host.run(request);
  }

  /** Frees the host's VMs. */
  async close(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    if (host) (await host.catch(() => undefined))?.close();
  }
}
