// The body of a Lua health worker: one LuaScriptHost answering run requests,
// one at a time, until the main thread terminates it.
import { parentPort } from 'node:worker_threads';
import { LuaScriptHost } from './host.js';
import type { LuaWorkerMessage, LuaWorkerRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

function send(message: LuaWorkerMessage): void {
  port?.postMessage(message);
}

try {
  const host = await LuaScriptHost.create();
  port.on('message', (msg: LuaWorkerRequest) => {
    void host.run(msg.request).then((reply) => send({ type: 'reply', id: msg.id, reply }));
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
}
