#!/usr/bin/env node
// Entry point of the `flotilla` command. It runs the build in dist/
// (`npm run build`; npm ci and npm start make it) while the build is fresh,
// and otherwise the TypeScript sources through tsx, so a source edited after
// the build never runs as its old self. FLOTILLA_FROM_SOURCE=1 forces the sources.
import { buildIsFresh } from './fresh.mjs';

const fromSource = process.env.FLOTILLA_FROM_SOURCE === '1';
if (!fromSource && buildIsFresh(new URL('../../', import.meta.url))) {
  await import('../../dist/flotilla.mjs');
} else {
  if (!fromSource && process.stderr.isTTY)
    process.stderr.write(
      'flotilla: dist/ is missing or older than the sources; running the sources (npm run build makes it fast)\n',
    );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
