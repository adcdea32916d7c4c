// Where health scripts run: on this thread, or in worker threads that can be
// terminated when a script hangs where the instruction hook cannot reach.
import type { LuaRunReply, LuaRunRequest } from './protocol.js';

/** Runs health-script requests; `close` frees whatever it holds. */
export interface LuaRunner {
  run(request: LuaRunRequest): Promise<LuaRunReply>;
  close(): Promise<void>;
}
