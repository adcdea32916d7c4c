#!/usr/bin/env node
// Prints the files a module loads, with the process's memory once it is in:
// `node [--import tsx] scripts/loaded-modules.mjs <module> [substring]`. With a
// substring, only the files whose URL contains it are listed (the count and
// memory are always printed). A role's entry module shows what the role pays
// at start before it does any work.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [target, filter] = process.argv.slice(2);
if (!target) {
  process.stderr.write('usage: loaded-modules.mjs <module> [substring]\n');
  process.exit(2);
}
const hooks = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  port.postMessage(url);
  return next(url, context);
}`;
const { port1, port2 } = new MessageChannel();
const loaded = new Set();
port1.on('message', (url) => loaded.add(url));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(hooks)}`, {
  data: { port: port2 },
  transferList: [port2],
});
const started = Date.now();
await import(
  target.startsWith('.') || target.startsWith('/') ? pathToFileURL(resolve(target)).href : target
);
const ms = Date.now() - started;
// Let the last messages of the hooks thread arrive.
await new Promise((r) => setTimeout(r, 200));
globalThis.gc?.();
const files = [...loaded].filter((u) => u.startsWith('file:'));
const shown = filter ? files.filter((u) => u.includes(filter)) : files;
const mib = (n) => Math.round((n / 2 ** 20) * 10) / 10;
const mem = process.memoryUsage();
process.stdout.write(
  JSON.stringify(
    {
      module: target,
      loadMs: ms,
      files: files.length,
      ...(filter ? { matching: shown.length } : {}),
      rssMiB: mib(mem.rss),
      heapUsedMiB: mib(mem.heapUsed),
      list: shown.length <= 50 ? shown : [...shown.slice(0, 50), `... ${shown.length - 50} more`],
    },
    null,
    1,
  ) + '\n',
);
process.exit(0);
