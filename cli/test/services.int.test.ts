import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '@flotilla/kube';
import { serviceEnv, startEnv, startServiceProcess, type TestEnv } from '@flotilla/testing';

const SERVICES = [
  'git-poller',
  'renderer',
  'differ',
  'applier',
  'hook-runner',
  'appset',
  'notifier',
];

describe('each service process', () => {
  let env: TestEnv;
  let namespace: string;
  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    namespace = await env.kube.namespace();
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it.each(SERVICES)(
    '%s starts, logs JSON with pino and stops cleanly on SIGTERM',
    async (service) => {
      // Starts the service's main.ts, waits for its "role started" line, then sends SIGTERM.
      const p = await startServiceProcess(
        service,
        serviceEnv(env, namespace, { FLOTILLA_WEBHOOK_ADDR: '127.0.0.1:0' }),
      );
      const code = await p.kill('SIGTERM');
      const lines = p.lines;
      expect(code).toBe(0);
      expect(p.unparsed).toEqual([]);
      expect(lines.find((l) => l['msg'] === 'role started')).toMatchObject({
        name: service,
        role: service,
        level: 'info',
      });
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped', exitCode: 0 });
    },
  );
});
