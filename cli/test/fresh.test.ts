// The bin runs dist/ only while it is newer than every file it was built
// from, so tests and users never run a stale build.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript, loaded before anything is compiled
import { buildIsFresh } from '../bin/fresh.mjs';

const fresh = buildIsFresh as (root: URL) => boolean;

describe('buildIsFresh', () => {
  let dir: string;
  let root: URL;
  const built = Date.parse('2026-01-01T12:00:00Z');
  const at = async (file: string, ms: number) =>
    utimes(join(dir, file), new Date(ms), new Date(ms));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fresh-'));
    root = pathToFileURL(`${dir}/`);
    await mkdir(join(dir, 'dist'));
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'a.ts'), 'a');
    await writeFile(join(dir, 'src', 'b.ts'), 'b');
    await at('src/a.ts', built - 60_000);
    await at('src/b.ts', built - 1);
    await writeFile(
      join(dir, 'dist', 'inputs.json'),
      JSON.stringify({ startedAtMs: built, inputs: ['src/a.ts', 'src/b.ts'] }),
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is fresh when every input is older than the build', () => {
    expect(fresh(root)).toBe(true);
  });

  it('is stale once an input changes after the build began', async () => {
    await at('src/b.ts', built + 1);
    expect(fresh(root)).toBe(false);
  });

  it('is stale when an input is gone', async () => {
    await rm(join(dir, 'src', 'a.ts'));
    expect(fresh(root)).toBe(false);
  });

  it('is stale with no build', async () => {
    await rm(join(dir, 'dist'), { recursive: true });
    expect(fresh(root)).toBe(false);
  });
});
