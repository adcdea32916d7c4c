// Every role as its own `flotilla run <role>` process against a NATS and a Redis
// that both require credentials and speak only TLS, configured the way an
// operator does it: FLOTILLA_NATS_USER/_PASSWORD/_CA_FILE and
// FLOTILLA_REDIS_USERNAME/_PASSWORD/_CA_FILE in the environment. The servers
// themselves say who connected: NATS's /connz names each connection's client and
// user, and Redis's CLIENT LIST the ACL user (one per role) behind each one.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { installCrds } from '@flotilla/kube';
import {
  createTestCa,
  startEnv,
  startNatsServer,
  startRedisServer,
  waitFor,
  type NatsTestServer,
  type TestCa,
  type TestEnv,
  type TestServer,
} from '@flotilla/testing';
import { startRoleProcess } from './support/processes.js';
import { testRoleEnv } from './support/roles.js';

/**
 * Every role `flotilla run` knows, as the command itself lists them, so a role
 * added later is held to this test as well.
 */
function rolesOfTheCli(): string[] {
  const cli = join(import.meta.dirname, '..', '..', 'cli', 'bin', 'flotilla.mjs');
  const asked = spawnSync(process.execPath, [cli, 'run', 'no-such-role'], { encoding: 'utf8' });
  const listed = /choose from (.+)$/m.exec(asked.stderr)?.[1];
  if (!listed) throw new Error(`flotilla run did not list its roles: ${asked.stderr}`);
  return listed.split(', ');
}
const ROLES = rolesOfTheCli();
/** The appset controller keeps no Redis connection; every other role does. */
const usesRedis = (role: string) => role !== 'appset';

const secret = () => randomBytes(12).toString('hex');
const NATS_USER = 'flotilla';
const NATS_PASSWORD = secret();
/** The test's own Redis login (the default user). */
const ADMIN_PASSWORD = secret();
/** One Redis ACL user per role, so CLIENT LIST tells the roles' connections apart. */
const REDIS_PASSWORDS = new Map(ROLES.map((r) => [r, secret()]));
const redisPassword = (role: string) => REDIS_PASSWORDS.get(role) ?? '';
const LIMIT = { timeoutMs: 60_000, intervalMs: 250 };

interface NatsConnectionInfo {
  readonly name?: string;
  readonly authorized_user?: string;
  readonly tls_version?: string;
}

describe('roles on a secured NATS and Redis', () => {
  let env: TestEnv;
  let ca: TestCa;
  let nats: NatsTestServer;
  let redis: TestServer;
  let admin: Redis;
  let ns: string;

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    ca = await createTestCa(join(env.tmpDir, 'ca'));
    nats = await startNatsServer({
      auth: { user: NATS_USER, password: NATS_PASSWORD },
      tls: ca.server,
      monitor: true,
    });
    redis = await startRedisServer({
      password: ADMIN_PASSWORD,
      users: Object.fromEntries(REDIS_PASSWORDS),
      tls: ca.server,
    });
    admin = new Redis(redis.url, {
      password: ADMIN_PASSWORD,
      tls: { ca: ca.caPem },
      maxRetriesPerRequest: 2,
    });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('secured');
  });

  afterAll(async () => {
    admin?.disconnect();
    await nats?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
    await env?.[Symbol.asyncDispose]();
  });

  /** What one role process gets: the cluster, both servers, and `security` on top. */
  function roleEnv(security: Record<string, string>): Record<string, string> {
    return {
      ...testRoleEnv(env),
      KUBECONFIG: env.kube.kubeconfigPath,
      FLOTILLA_NAMESPACE: ns,
      FLOTILLA_NATS_URL: nats.url,
      FLOTILLA_REDIS_URL: redis.url,
      FLOTILLA_NATS_CA_FILE: ca.caFile,
      FLOTILLA_REDIS_CA_FILE: ca.caFile,
      // Nothing of the runner's own settings leaks in.
      FLOTILLA_NATS_USER: '',
      FLOTILLA_NATS_PASSWORD: '',
      FLOTILLA_NATS_CREDS_FILE: '',
      FLOTILLA_REDIS_USERNAME: '',
      FLOTILLA_REDIS_PASSWORD: '',
      ...security,
    };
  }

  const credentials = (role: string) => ({
    FLOTILLA_NATS_USER: NATS_USER,
    FLOTILLA_NATS_PASSWORD: NATS_PASSWORD,
    FLOTILLA_REDIS_USERNAME: role,
    FLOTILLA_REDIS_PASSWORD: redisPassword(role),
  });

  async function natsConnections(): Promise<NatsConnectionInfo[]> {
    const res = await fetch(`${nats.monitorUrl}/connz?auth=true`);
    return ((await res.json()) as { connections?: NatsConnectionInfo[] }).connections ?? [];
  }

  /** The ACL users of the clients Redis has now, one entry per connection. */
  async function redisUsers(): Promise<string[]> {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return [...list.matchAll(/ user=(\S+)/g)].map((m) => m[1]!);
  }

  /** Starts a role that must not start, and returns why it stopped (its output included). */
  async function refusedStart(label: string, role: string, security: Record<string, string>) {
    try {
      const proc = await startRoleProcess(label, [role], roleEnv(security));
      await proc.kill('SIGTERM');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`${label} started`);
  }

  it.each(ROLES)('%s connects with the credentials and CA from its environment', async (role) => {
    const proc = await startRoleProcess(role, [role], roleEnv(credentials(role)));
    try {
      // Ready means it started, and starting means its bus connection was accepted.
      let seen: NatsConnectionInfo | undefined;
      await waitFor(
        `${role}'s NATS connection`,
        async () => (seen = (await natsConnections()).find((c) => c.name === role)) !== undefined,
        LIMIT,
      );
      expect(seen).toMatchObject({ name: role, authorized_user: NATS_USER });
      expect(seen?.tls_version).toMatch(/^1\.[23]$/);
      if (usesRedis(role)) {
        await waitFor(
          `a Redis connection of ${role} logged in as itself`,
          async () => (await redisUsers()).includes(role),
          LIMIT,
        );
      }
      const output = proc.output.join('\n');
      expect(output).not.toMatch(/redis error|Authorization Violation|NOAUTH|WRONGPASS/);
      expect(output).not.toContain(NATS_PASSWORD);
      expect(output).not.toContain(redisPassword(role));
    } finally {
      await proc.kill('SIGTERM');
    }
  });

  it('a role without NATS credentials stops and says why, with no secret in its output', async () => {
    const why = await refusedStart('notifier without NATS credentials', 'notifier', {
      ...credentials('notifier'),
      FLOTILLA_NATS_USER: '',
      FLOTILLA_NATS_PASSWORD: '',
    });
    // The error names the server it was refused by.
    expect(why).toMatch(
      /"role":"notifier".*"err":"NATS at tls:\/\/127\.0\.0\.1:\d+: Authorization Violation".*role could not start/,
    );
    expect(why).not.toContain(NATS_PASSWORD);
    // It had its Redis password, and did not print that either.
    expect(why).not.toContain(redisPassword('notifier'));
  });

  it('a role with a wrong NATS password stops and says why, without the password', async () => {
    const wrong = `wrong-${secret()}`;
    const why = await refusedStart('appset with a wrong NATS password', 'appset', {
      ...credentials('appset'),
      FLOTILLA_NATS_PASSWORD: wrong,
    });
    expect(why).toMatch(
      /"role":"appset".*"err":"NATS at [^"]+: Authorization Violation".*role could not start/,
    );
    expect(why).not.toContain(wrong);
  });

  /** The role's `/readyz` answer as `<status> <text>`, or '' while nothing answers. */
  async function readyz(opsPort: number): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
    return res ? `${res.status} ${(await res.text()).trim()}` : '';
  }

  it('a role with a wrong Redis password says so, is not ready, and never shows the password', async () => {
    const wrong = `wrong-${secret()}`;
    const proc = await startRoleProcess(
      'notifier with a wrong Redis password',
      ['notifier'],
      roleEnv({ ...credentials('notifier'), FLOTILLA_REDIS_PASSWORD: wrong }),
      0,
    );
    try {
      await waitFor(
        'the refused Redis login in its log',
        () => proc.output.some((l) => l.includes('WRONGPASS')),
        LIMIT,
      );
      // Not ready, saying why: a rollout with this password stops at its first pod.
      let answer = '';
      await waitFor(
        'a /readyz answer',
        async () => {
          const res = await fetch(`http://127.0.0.1:${proc.opsPort}/readyz`).catch(() => undefined);
          answer = res ? `${res.status} ${await res.text()}` : '';
          return answer !== '';
        },
        LIMIT,
      );
      expect(answer).toMatch(/^503 not ready/);
      // Once the role has started, the answer names the connection.
      await waitFor(
        'a /readyz answer that names Redis',
        async () => {
          const res = await fetch(`http://127.0.0.1:${proc.opsPort}/readyz`);
          answer = `${res.status} ${await res.text()}`;
          return answer.includes('Redis');
        },
        LIMIT,
      );
      expect(answer).toMatch(/^503 not ready: notifier: Redis connection \w+/);
      expect(proc.output.join('\n')).not.toContain(wrong);
    } finally {
      await proc.kill('SIGTERM');
    }
  });

  // Last: it stops the shared NATS server, and starts it again.
  it('a role whose NATS goes away is not ready until it is back, and says why', async () => {
    const proc = await startRoleProcess('renderer', ['renderer'], roleEnv(credentials('renderer')));
    try {
      expect(await readyz(proc.opsPort)).toBe('200 ready');
      await nats.stop();
      let answer = '';
      await waitFor(
        'a /readyz answer that names NATS',
        async () => (answer = await readyz(proc.opsPort)).includes('NATS'),
        LIMIT,
      );
      expect(answer).toMatch(/^503 not ready: renderer: NATS connection to \S+ lost/);
      await nats.restart();
      await waitFor(
        'ready again once NATS is back',
        async () => (answer = await readyz(proc.opsPort)) === '200 ready',
        LIMIT,
      );
      expect(proc.output.join('\n')).not.toContain(NATS_PASSWORD);
    } finally {
      await proc.kill('SIGTERM');
    }
  });
});
