// Whether dist/ may run: built after every file it was built from last
// changed. Plain JavaScript, so the bin can ask before it loads anything else.
import { readFileSync, statSync } from 'node:fs';

/**
 * True when `<root>/dist/inputs.json` (written by scripts/build.mjs) lists
 * inputs that all exist and are older than the build's start.
 * @param {URL} root the checkout, as a directory URL
 * @returns {boolean}
 */
export function buildIsFresh(root) {
  try {
    const { startedAtMs, inputs } = JSON.parse(
      readFileSync(new URL('dist/inputs.json', root), 'utf8'),
    );
    return (
      inputs.length > 0 &&
      inputs.every((file) => statSync(new URL(file, root)).mtimeMs < startedAtMs)
    );
  } catch {
    return false; // no build, or an input is gone
  }
}
