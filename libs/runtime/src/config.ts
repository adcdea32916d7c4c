import {
  checkConnectionSecurity,
  connectionSecurityFromEnv,
  type NatsSecurity,
  type RedisSecurity,
} from './connections.js';

/** Settings every role shares, compiled once from flags and the environment. */
export interface RuntimeConfig {
  readonly natsUrl: string;
  readonly redisUrl: string;
  /** Kubeconfig path; undefined means in-cluster. */
  readonly kubeconfig?: string;
  /** The control namespace: its Applications, projects, clusters and settings. */
  readonly namespace: string;
  /**
   * Other namespaces whose Applications are served (globs, or regular
   * expressions between `/`); empty means the control namespace alone.
   */
  readonly applicationNamespaces: readonly string[];
  readonly logLevel: string;
  /** User cache dir (tools, repo cache). */
  readonly cacheDir: string;
  /**
   * How long a work message may go unacknowledged before JetStream hands it to
   * another worker (after a crash, say); the bus default (30 s) when unset.
   */
  readonly workAckWaitMs?: number;
  /**
   * How long the process may take to stop once told to (SIGTERM): the roles drain their
   * work and an applier hands its leases over; past it the process exits at once.
   * {@link installShutdown}'s default (25 s) when unset.
   */
  readonly shutdownTimeoutMs?: number;
  /** TLS and credentials for NATS (FLOTILLA_NATS_CA_FILE, _CREDS_FILE, _USER, _PASSWORD). */
  readonly natsSecurity?: NatsSecurity;
  /** TLS and credentials for Redis (FLOTILLA_REDIS_CA_FILE, _USERNAME, _PASSWORD). */
  readonly redisSecurity?: RedisSecurity;
}

/** Configuration that cannot work; lists every problem at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkUrl(problems: string[], name: string, value: string, schemes: string[]): void {
  try {
    const u = new URL(value);
    if (!schemes.includes(u.protocol.replace(/:$/, '')))
      problems.push(`${name}: scheme must be ${schemes.join(' or ')}, got ${u.protocol}`);
  } catch {
    problems.push(`${name}: ${JSON.stringify(value)} is not a URL`);
  }
}

/** `a, b,,c` → `[a, b, c]`: a comma-separated list, blanks dropped. */
const commaList = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Problems with namespace patterns (`setting` names where they come from): a `/regex/` must compile. */
function checkNamespacePatterns(
  problems: string[],
  patterns: readonly string[],
  setting = '--application-namespaces / FLOTILLA_APPLICATION_NAMESPACES',
): void {
  for (const p of patterns) {
    if (p.length > 1 && p.startsWith('/') && p.endsWith('/')) {
      try {
        new RegExp(p.slice(1, -1));
      } catch (err) {
        problems.push(
          `${setting}: ${JSON.stringify(p)} is not a regular expression (${(err as Error).message})`,
        );
      }
    } else if (!/^[a-z0-9*?[\]{},!^-]+$/.test(p)) {
      problems.push(
        `${setting}: ${JSON.stringify(p)} is neither a namespace glob nor a /regular expression/`,
      );
    }
  }
}

/**
 * The patterns of FLOTILLA_APPLICATION_NAMESPACES (or the flag, or another
 * setting of namespace patterns, named by `setting`) as a list, for what reads
 * the setting without the rest of the runtime config; a pattern that is neither
 * a namespace glob nor a regular expression is a {@link ConfigError}.
 */
export function parseApplicationNamespaces(value: string | undefined, setting?: string): string[] {
  const patterns = commaList(value);
  const problems: string[] = [];
  checkNamespacePatterns(problems, patterns, setting);
  if (problems.length > 0) throw new ConfigError(problems);
  return patterns;
}

const secondsToMs = (v: string | undefined): number | undefined =>
  v === undefined || v === '' ? undefined : Number(v) * 1_000;

/**
 * Builds the {@link RuntimeConfig} from explicit values (flags) first, then the
 * environment, then defaults, and validates it with clear messages.
 */
export function compileRuntimeConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: Partial<RuntimeConfig> & { cacheDir: string },
): RuntimeConfig {
  const config: RuntimeConfig = {
    natsUrl: flags.natsUrl ?? env['FLOTILLA_NATS_URL'] ?? 'nats://127.0.0.1:4222',
    redisUrl: flags.redisUrl ?? env['FLOTILLA_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    kubeconfig: flags.kubeconfig ?? (env['KUBECONFIG'] || undefined),
    namespace: flags.namespace ?? env['FLOTILLA_NAMESPACE'] ?? 'flotilla',
    applicationNamespaces:
      flags.applicationNamespaces ?? commaList(env['FLOTILLA_APPLICATION_NAMESPACES']),
    logLevel: flags.logLevel ?? env['FLOTILLA_LOG_LEVEL'] ?? 'info',
    cacheDir: flags.cacheDir,
  };
  const security = connectionSecurityFromEnv(env);
  const natsSecurity = flags.natsSecurity ?? security.nats;
  const redisSecurity = flags.redisSecurity ?? security.redis;
  if (Object.keys(natsSecurity).length > 0) Object.assign(config, { natsSecurity });
  if (Object.keys(redisSecurity).length > 0) Object.assign(config, { redisSecurity });
  const problems: string[] = checkConnectionSecurity(natsSecurity, redisSecurity);
  const ackWait = flags.workAckWaitMs ?? secondsToMs(env['FLOTILLA_WORK_ACK_WAIT_SECONDS']);
  if (ackWait !== undefined) {
    if (Number.isFinite(ackWait) && ackWait >= 1_000)
      Object.assign(config, { workAckWaitMs: ackWait });
    else
      problems.push(
        `FLOTILLA_WORK_ACK_WAIT_SECONDS: ${JSON.stringify(env['FLOTILLA_WORK_ACK_WAIT_SECONDS'])} must be a number of seconds, at least 1`,
      );
  }
  const shutdownTimeout = secondsToMs(env['FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS']);
  if (shutdownTimeout !== undefined) {
    if (Number.isFinite(shutdownTimeout) && shutdownTimeout >= 1_000)
      Object.assign(config, { shutdownTimeoutMs: shutdownTimeout });
    else
      problems.push(
        `FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS: ${JSON.stringify(env['FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS'])} must be a number of seconds, at least 1`,
      );
  }
  checkUrl(problems, '--nats-url / FLOTILLA_NATS_URL', config.natsUrl, [
    'nats',
    'tls',
    'ws',
    'wss',
  ]);
  checkUrl(problems, '--redis-url / FLOTILLA_REDIS_URL', config.redisUrl, ['redis', 'rediss']);
  if (!DNS_LABEL.test(config.namespace))
    problems.push(
      `--namespace / FLOTILLA_NAMESPACE: ${JSON.stringify(config.namespace)} is not a valid namespace name`,
    );
  checkNamespacePatterns(problems, config.applicationNamespaces);
  if (!LEVELS.includes(config.logLevel))
    problems.push(`--log-level / FLOTILLA_LOG_LEVEL: must be one of ${LEVELS.join(', ')}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
