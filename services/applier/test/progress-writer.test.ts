// The background progress writer: ordered, coalescing, and loud about failures.
import { describe, expect, it } from 'vitest';
import type { SyncResourceResult } from '@flotilla/gitops';
import { ProgressWriter } from '../src/progress-writer.js';

describe('ProgressWriter', () => {
  it('writes in order, keeps only the newest waiting state, and skips repeats', async () => {
    const written: string[] = [];
    let release: () => void = () => undefined;
    const writer = new ProgressWriter(async (_r, message) => {
      written.push(message);
      if (message === 'one') await new Promise<void>((r) => (release = r));
    });
    const results: SyncResourceResult[] = [];
    writer.report(results, 'one');
    writer.report(results, 'two');
    writer.report(results, 'three');
    writer.report(results, 'three');
    release();
    await writer.flush();
    expect(written).toEqual(['one', 'three']);
    writer.report(results, 'three');
    await writer.flush();
    expect(written).toEqual(['one', 'three']);
    writer.report([], 'three');
    await writer.flush();
    expect(written).toEqual(['one', 'three', 'three']);
  });

  it('rethrows a failed write on flush and on the next report', async () => {
    const writer = new ProgressWriter(() => Promise.reject(new Error('lease lost')));
    writer.report([], 'one');
    await expect(writer.flush()).rejects.toThrow('lease lost');
    expect(() => writer.report([], 'two')).toThrow('lease lost');
  });
});
