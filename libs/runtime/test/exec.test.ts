import { describe, expect, it } from 'vitest';
import { isCommandError, run } from '../src/index.js';

describe('run', () => {
  it('passes arguments as data, never through a shell', async () => {
    const { stdout } = await run('printf', ['%s', '$(echo pwned); --upload-pack=x']);
    expect(stdout).toBe('$(echo pwned); --upload-pack=x');
  });

  it('rejects with the exit code and the tail of stderr', async () => {
    const err = await run('sh', ['-c', 'echo boom >&2; exit 3']).catch((e: unknown) => e);
    expect(isCommandError(err)).toBe(true);
    expect(err).toMatchObject({ exitCode: 3, timedOut: false });
    expect((err as Error).message).toContain('boom');
  });

  it('kills a command that outlives its timeout', async () => {
    const err = await run('sleep', ['10'], { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'CommandError', timedOut: true });
  });

  it('fails a command whose output exceeds the limit', async () => {
    const err = await run('head', ['-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain('more than 1000 bytes');
  });

  it('reports a missing program clearly', async () => {
    const err = await run('definitely-not-a-program', []).catch((e: unknown) => e);
    expect(isCommandError(err)).toBe(true);
    expect((err as Error).message).toContain('ENOENT');
  });
});
