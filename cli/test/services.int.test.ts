import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';

const root = join(import.meta.dirname, '..', '..');
const SERVICES = ['git-poller', 'renderer', 'differ', 'applier', 'hook-runner'];

/** Starts a service's main.ts, waits for its "role started" line, sends SIGTERM, and collects what it logged. */
function startAndStop(
  service: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line['msg'] === 'role started') child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, lines }));
  });
}

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
      const { code, lines } = await startAndStop(service, {
        ...process.env,
        FLOTILLA_NATS_URL: env.nats.url,
        FLOTILLA_REDIS_URL: env.redis.url,
        KUBECONFIG: env.kube.kubeconfigPath,
        FLOTILLA_NAMESPACE: namespace,
        FLOTILLA_WEBHOOK_ADDR: '127.0.0.1:0',
        FLOTILLA_OPS_ADDR: '127.0.0.1:0',
      });
      expect(code).toBe(0);
      expect(lines.find((l) => l['msg'] === 'role started')).toMatchObject({
        name: service,
        role: service,
        level: 'info',
      });
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped', exitCode: 0 });
    },
  );
});
