import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, installShutdown } from '../src/index.js';

function sink() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (c: Buffer) => {
    for (const l of c.toString().split('\n').filter(Boolean))
      lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe('installShutdown', () => {
  it('aborts the signal, runs hooks in reverse order and exits 0', async () => {
    const { stream } = sink();
    const logger = createLogger({ name: 't', destination: stream });
    const codes: number[] = [];
    const order: string[] = [];
    const sd = installShutdown({ logger, signals: [], exit: (c) => codes.push(c) });
    sd.add(() => void order.push('first'));
    sd.add(async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('second');
    });
    await sd.trigger('test');
    expect(sd.signal.aborted).toBe(true);
    expect(order).toEqual(['second', 'first']);
    expect(codes).toEqual([0]);
  });

  it('exits 1 when a hook fails, after running the others', async () => {
    const { stream } = sink();
    const codes: number[] = [];
    const ran: string[] = [];
    const sd = installShutdown({
      logger: createLogger({ name: 't', destination: stream }),
      signals: [],
      exit: (c) => codes.push(c),
    });
    sd.add(() => void ran.push('cleanup'));
    sd.add(() => {
      throw new Error('boom');
    });
    await sd.trigger('test');
    expect(ran).toEqual(['cleanup']);
    expect(codes).toEqual([1]);
  });
});

describe('createLogger', () => {
  it('writes JSON and redacts secrets', async () => {
    const { stream, lines } = sink();
    const logger = createLogger({ name: 'svc', destination: stream });
    logger.info({ repo: { url: 'https://x', password: 'hunter2' }, token: 'abc' }, 'hello');
    await new Promise((r) => setTimeout(r, 10));
    expect(lines[0]).toMatchObject({
      name: 'svc',
      level: 'info',
      msg: 'hello',
      token: '[redacted]',
    });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});
