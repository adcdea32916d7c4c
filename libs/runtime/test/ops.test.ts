import { describe, expect, it } from 'vitest';
import { metrics, startOpsServer } from '../src/index.js';

describe('the ops server', () => {
  it('answers /healthz, /readyz by readiness, and /metrics in Prometheus format', async () => {
    let ready: boolean | string = false;
    const ops = await startOpsServer({ addr: '127.0.0.1:0', ready: () => ready });
    try {
      const url = (p: string) => `http://127.0.0.1:${ops.port}${p}`;
      expect((await fetch(url('/healthz'))).status).toBe(200);
      expect((await fetch(url('/readyz'))).status).toBe(503);
      ready = 'differ: Redis connection reconnecting';
      const notReady = await fetch(url('/readyz'));
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('not ready: differ: Redis connection reconnecting\n');
      ready = true;
      expect((await fetch(url('/readyz'))).status).toBe(200);
      metrics.work.inc({ kind: 'diff', outcome: 'done' });
      const text = await (await fetch(url('/metrics'))).text();
      expect(text).toContain('flotilla_work_messages_total{kind="diff",outcome="done"}');
      expect(text).toContain('flotilla_process_cpu_seconds_total');
      expect((await fetch(url('/nope'))).status).toBe(404);
    } finally {
      await ops.close();
    }
  });
});
