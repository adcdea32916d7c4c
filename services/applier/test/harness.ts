// Shared set-up of the applier's integration tests: real NATS, Redis and
// control plane; the applier role in-process; desired state put straight into
// the DesiredStore so no renderer is needed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, type Operation, applicationPath } from '@flotilla/api';
import { connectBus, provisionBus } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { ProjectClient, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import {
  compatDir,
  startEnv,
  waitFor,
  type StoredMessage,
  type TestEnv,
  roleConfig,
  serviceEnv,
  startServiceProcess,
  type ServiceProcess,
} from '@flotilla/testing';
import { hookRunnerRole } from '@flotilla/hook-runner';
import { applierRole } from '../src/role.js';

/**
 * The commit every app's desired state is rendered at. Syncs name it: a sync
 * of a branch resolves the branch again, which needs a renderer and Git.
 */
export const RENDERED = 'a'.repeat(40);

/** Work held by a killed process comes back after this, not JetStream's default 30 s. */
const ACK_WAIT_MS = 8_000;

/** A running applier with its servers. */
export interface ApplierHarness {
  readonly env: TestEnv;
  readonly ns: string;
  readonly nc: NatsConnection;
  readonly desired: DesiredStore;
  /**
   * Creates an app named `name` deploying to a fresh namespace (or `where.dest`),
   * with `objects` as its desired state, in the control namespace (or `where.namespace`).
   */
  createApp(
    name: string,
    objects: readonly Record<string, unknown>[],
    spec?: Partial<NonNullable<Application['spec']>>,
    where?: { namespace?: string; dest?: string },
  ): Promise<{ dest: string }>;
  /** Writes `Application.operation`. */
  requestSync(name: string, operation?: Operation): Promise<void>;
  app(name: string): Promise<Application>;
  /** Waits until the app's operation ended, and returns the app. */
  finished(name: string): Promise<Application>;
  /** Every event of the app, oldest first, with its subject's last two tokens as `name`. */
  events(name: string): Promise<StoredMessage[]>;
  startApplier(): Promise<RoleHandle>;
  /** Runs `services/<service>` as a child process (stopped on close), with `extraEnv` set. */
  startService(service: string, extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops the applier started `index`-th (0 is the one started with the harness). */
  stopApplier(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Parses a multi-document YAML file of the compat examples. */
export function compatObjects(...path: string[]): Record<string, unknown>[] {
  const text = readFileSync(join(compatDir(), ...path), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> => o !== null);
}

/**
 * Starts servers and one applier and hook-runner in-process; with
 * `{ roles: false }` none, for tests that run the services as processes.
 */
export async function startApplierHarness(
  /** `applierEnv`: settings of the in-process applier (docs/configuration.md). */
  /** `appNamespaces`: FLOTILLA_APPLICATION_NAMESPACES of both roles. */
  options: { roles?: boolean; applierEnv?: Record<string, string>; appNamespaces?: string } = {},
): Promise<ApplierHarness> {
  const env = await startEnv({ nats: true, redis: true, kube: true });
  await installCrds(env.kube.kc);
  const ns = await env.kube.namespace('apps');
  // The differ makes `default` in a deployment; it does not run here.
  await new ProjectClient(env.kube.kc).ensureDefault(ns);
  const nc = await connectBus({ servers: env.nats.url, name: 'test' });
  await provisionBus(nc, { ackWaitMs: ACK_WAIT_MS });
  const redis = new Redis(env.redis.url);
  const desired = new DesiredStore(redis);
  const roles: RoleHandle[] = [];
  const runtimeEnv: Record<string, string> =
    options.appNamespaces === undefined
      ? {}
      : { FLOTILLA_APPLICATION_NAMESPACES: options.appNamespaces };
  const config = () => ({
    ...roleConfig(env, ns, 'warn', runtimeEnv),
    workAckWaitMs: ACK_WAIT_MS,
  });
  const processes: ServiceProcess[] = [];
  const stopped = new Set<RoleHandle>();
  const appPath = (name: string) => applicationPath(ns, name);
  const app = (name: string) =>
    rawRequest<Application>(env.kube.kc, { method: 'GET', path: appPath(name) });

  const startApplier = async () => {
    const role = await applierRole.start({
      logger: createLogger({ name: 'applier', level: 'warn' }),
      signal: new AbortController().signal,
      config: config(),
      env: { FLOTILLA_SYNC_LEASE_SECONDS: '3', ...options.applierEnv },
    });
    roles.push(role);
    return role;
  };
  const withRoles = options.roles !== false;
  if (withRoles) await startApplier();
  const hookRunner = withRoles
    ? await hookRunnerRole.start({
        logger: createLogger({ name: 'hook-runner', level: 'warn' }),
        signal: new AbortController().signal,
        config: config(),
        env: {},
      })
    : undefined;

  return {
    env,
    ns,
    nc,
    desired,
    async createApp(name, objects, spec = {}, where = {}) {
      const dest = where.dest ?? (await env.kube.namespace('dest'));
      const namespace = where.namespace ?? ns;
      await env.kube.objects.create({
        apiVersion: API_VERSION,
        kind: 'Application',
        metadata: { name, namespace },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.com/apps.git',
            targetRevision: 'main',
            path: name,
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: dest },
          ...spec,
        },
      } as Application);
      await desired.setRendered(
        { namespace, name },
        {
          revisions: [RENDERED],
          hash: `sha256:${name}`,
          objects: objects.map((o) => structuredClone(o)),
          warnings: [],
          renderedAt: new Date().toISOString(),
        },
      );
      return { dest };
    },
    async requestSync(name, operation = { sync: { prune: true, revision: RENDERED } }) {
      await rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: appPath(name),
        contentType: 'application/merge-patch+json',
        body: { operation },
      });
    },
    app,
    async finished(name) {
      await waitFor(
        `operation of ${name} to end`,
        async () => {
          const a = await app(name);
          const phase = a.status?.operationState?.phase;
          return a.operation === undefined && phase !== undefined && phase !== 'Running';
        },
        { timeoutMs: 120_000 },
      );
      return app(name);
    },
    async events(name) {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(Streams.Events);
      const prefix = `flotilla.events.${ns}.${name}.`;
      const out: StoredMessage[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(Streams.Events, { seq }).catch(() => null);
        if (m?.subject.startsWith(prefix)) {
          out.push({ ...m.json<StoredMessage>(), name: m.subject.slice(prefix.length) });
        }
      }
      return out;
    },
    startApplier,
    async startService(service, extraEnv = {}) {
      const p = await startServiceProcess(
        service,
        serviceEnv(env, ns, {
          FLOTILLA_WORK_ACK_WAIT_SECONDS: String(ACK_WAIT_MS / 1000),
          ...extraEnv,
        }),
      );
      processes.push(p);
      return p;
    },
    async stopApplier(index) {
      const role = roles[index];
      if (!role) return;
      stopped.add(role);
      await role.stop();
    },
    async close() {
      for (const p of processes) await p.kill();
      await hookRunner?.stop().catch(() => undefined);
      for (const r of roles) if (!stopped.has(r)) await r.stop().catch(() => undefined);
      await nc.close();
      redis.disconnect();
      await env[Symbol.asyncDispose]();
    },
  };
}
