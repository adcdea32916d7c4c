// The code of the jq sandbox thread. It is plain CommonJS so the thread can be
// started with `eval: true`, without a build step or a loader for TypeScript.
//
// The object goes in as a `--argjson` argument: jq-wasm feeds stdin one byte
// at a time with a copy per byte, which is quadratic, while arguments are
// copied once. The expression runs inside `[$o | path(EXPR)]`, which names
// the same fields `del(EXPR)` (Argo CD's form) deletes, and answers with paths
// only, so the reply is small and carries no values.

/** Source of the worker thread; `workerData.jqPath` is the jq-wasm Emscripten module. */
export const JQ_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const quiet = () => undefined;
for (const level of ['log', 'error', 'warn', 'info', 'debug']) console[level] = quiet;
const factory = require(workerData.jqPath);
const MEMORY = /Aborted\(|out of memory|Cannot enlarge memory|memory access out of bounds/i;
factory().then(
  (jq) => {
    parentPort.on('message', async (job) => {
      let reply;
      try {
        const out = await jq.raw('null', job.program, ['-c', '-n', '--argjson', 'o', job.input]);
        reply = Buffer.byteLength(out) > job.maxOutputBytes
          ? { id: job.id, error: 'output' }
          : { id: job.id, output: out };
      } catch (err) {
        const message = String((err && err.message) || err);
        reply = { id: job.id, error: MEMORY.test(message) ? 'memory' : 'jq', message };
      }
      parentPort.postMessage(reply);
    });
    parentPort.postMessage({ ready: true });
  },
  (err) => parentPort.postMessage({ fatal: String((err && err.message) || err) }),
);
`;
