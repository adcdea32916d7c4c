// The background progress writer: ordered, coalescing, and loud about failures.
import { describe, expect, it } from 'vitest';
import type { SyncResourceResult } from '@flotilla/gitops';
import { ProgressWriter } from '../src/progress-writer.js';

const result = (name: string): SyncResourceResult =>
  ({ key: { group: '', kind: 'ConfigMap', namespace: 'ns', name } }) as SyncResourceResult;

describe('ProgressWriter', () => {
  it('writes new results in order, keeps only the newest waiting state, and skips repeats', async () => {
    const written: string[] = [];
    let release: () => void = () => undefined;
    const writer = new ProgressWriter(async (_r, message) => {
      written.push(message);
      if (message === 'one') await new Promise<void>((r) => (release = r));
    });
    writer.report([result('a')], 'one');
    writer.report([result('b')], 'two');
    const three = [result('c')];
    writer.report(three, 'three');
    writer.report(three, 'three');
    release();
    await writer.flush();
    expect(written).toEqual(['one', 'three']);
    writer.report(three, 'three');
    await writer.flush();
    expect(written).toEqual(['one', 'three']);
    writer.report([result('c')], 'three');
    await writer.flush();
    expect(written).toEqual(['one', 'three', 'three']);
  });

  it('writes a change of the message alone after the delay', async () => {
    const written: string[] = [];
    const results = [result('a')];
    const writer = new ProgressWriter(async (_r, message) => void written.push(message), {
      written: results,
      messageDelayMs: 20,
    });
    writer.report(results, 'waiting for healthy');
    writer.report(results, 'still waiting');
    expect(written).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    await writer.flush();
    expect(written).toEqual(['still waiting']);
  });

  it('holds new results too when asked: a short quiet operation writes nothing before its end', async () => {
    const written: { names: string[]; message: string }[] = [];
    const write = async (r: readonly SyncResourceResult[], message: string) =>
      void written.push({ names: r.map((x) => x.key.name), message });
    const quick = new ProgressWriter(write, { written: [], resultsDelayMs: 60_000 });
    quick.report([], 'Sync wave 0: applying');
    quick.report([result('a')], 'Sync wave 0: waiting for healthy');
    await quick.flush();
    expect(written).toEqual([]);

    // A slow one still shows its newest progress once the delay is up.
    const slow = new ProgressWriter(write, { written: [], resultsDelayMs: 20 });
    slow.report([result('a')], 'Sync wave 0: waiting for healthy');
    slow.report([result('a'), result('b')], 'Sync wave 0: still waiting');
    await new Promise((r) => setTimeout(r, 60));
    await slow.flush();
    expect(written).toEqual([{ names: ['a', 'b'], message: 'Sync wave 0: still waiting' }]);
  });

  it('drops a waiting change of the message alone when flushed before the final status', async () => {
    const written: { names: string[]; message: string }[] = [];
    const results = [result('a')];
    const writer = new ProgressWriter(
      async (r, message) => void written.push({ names: r.map((x) => x.key.name), message }),
      { written: results, messageDelayMs: 60_000 },
    );
    writer.report(results, 'Sync wave 0: applying');
    await writer.flush();
    expect(written).toEqual([]);
    // New results are never held back, and carry the newest message.
    writer.report(results, 'Sync wave 0: applying');
    const next = [...results, result('b')];
    writer.report(next, 'Sync wave 0: waiting for healthy');
    await writer.flush();
    expect(written).toEqual([{ names: ['a', 'b'], message: 'Sync wave 0: waiting for healthy' }]);
  });

  it('holds results that are not urgent for the delay, in one write, until urgent ones come', async () => {
    const written: { names: string[]; message: string }[] = [];
    const writer = new ProgressWriter(
      async (r, message) => void written.push({ names: r.map((x) => x.key.name), message }),
      { messageDelayMs: 20 },
    );
    writer.report([result('a')], 'Sync wave 0', false);
    writer.report([result('a'), result('b')], 'Sync wave 1', false);
    expect(written).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    await writer.flush();
    expect(written).toEqual([{ names: ['a', 'b'], message: 'Sync wave 1' }]);
    writer.report([result('a'), result('b'), result('c')], 'Sync wave 2', false);
    writer.report([result('a'), result('b'), result('c'), result('hook')], 'Sync wave 2', true);
    await writer.flush();
    expect(written.map((w) => w.names.length)).toEqual([2, 4]);
    // Flushed before the delay (the final status follows): nothing held back is written.
    writer.report([result('d')], 'Sync wave 3', false);
    await writer.flush();
    expect(written).toHaveLength(2);
  });

  it('rethrows a failed write on flush and on the next report', async () => {
    const writer = new ProgressWriter(() => Promise.reject(new Error('lease lost')));
    writer.report([], 'one');
    await expect(writer.flush()).rejects.toThrow('lease lost');
    expect(() => writer.report([], 'two')).toThrow('lease lost');
  });
});
