import { availableParallelism } from 'node:os';

/** applier settings after defaults; see docs/operations.md. */
export interface ApplierOptions {
  /**
   * Operations run at once per applier process; 32 per core: an operation
   * mostly waits (on the apiserver, on health), so throughput is slots over
   * the length of its chain of requests, and a slot held by a slow rollout
   * must not stall every other app.
   */
  readonly concurrency: number;
  /** Resources of one kind applied at once inside a step. */
  readonly applyParallelism: number;
  /** Lifetime of an app's operation lease without renewal. */
  readonly leaseTtlMs: number;
  /** How long a command waits before it is redelivered when another replica holds the lease. */
  readonly leaseBusyDelayMs: number;
  /**
   * How long a command waits for a busy lease to be released (holding a sync slot)
   * before it goes back for {@link leaseBusyDelayMs}.
   */
  readonly leaseBusyWaitMs: number;
  /** Deliveries that fail with an unexpected fault before the operation ends with Error. */
  readonly faultAttempts: number;
  /** Apply, delete and prune as the project's destinationServiceAccounts (Argo CD's sync impersonation). */
  readonly syncImpersonation: boolean;
  /**
   * How long a sync whose destination cluster stopped answering is held
   * (Running, waiting for it) before the attempt ends in Error and the app's
   * retry policy decides; 0 ends it at once.
   */
  readonly clusterWaitMs: number;
}

/** Compiles options from the environment (passed in, never read here). */
export function compileApplierOptions(
  env: Readonly<Record<string, string | undefined>>,
  cores = availableParallelism(),
): ApplierOptions {
  const o: ApplierOptions = {
    concurrency: Number(env['FLOTILLA_SYNC_CONCURRENCY'] ?? 32 * cores),
    applyParallelism: Number(env['FLOTILLA_APPLY_PARALLELISM'] ?? 8),
    leaseTtlMs: Number(env['FLOTILLA_SYNC_LEASE_SECONDS'] ?? 15) * 1000,
    leaseBusyDelayMs: Number(env['FLOTILLA_SYNC_LEASE_BUSY_MS'] ?? 2000),
    leaseBusyWaitMs: Number(env['FLOTILLA_SYNC_LEASE_WAIT_MS'] ?? 2000),
    faultAttempts: Number(env['FLOTILLA_SYNC_FAULT_ATTEMPTS'] ?? 3),
    syncImpersonation: env['FLOTILLA_SYNC_IMPERSONATION'] === 'true',
    clusterWaitMs: Number(env['FLOTILLA_SYNC_CLUSTER_WAIT_SECONDS'] ?? 600) * 1000,
  };
  if (!(o.concurrency >= 1)) throw new Error('FLOTILLA_SYNC_CONCURRENCY must be at least 1');
  if (!(o.applyParallelism >= 1)) throw new Error('FLOTILLA_APPLY_PARALLELISM must be at least 1');
  if (!(o.leaseTtlMs > 0)) throw new Error('FLOTILLA_SYNC_LEASE_SECONDS must be positive');
  if (!(o.leaseBusyWaitMs >= 0))
    throw new Error('FLOTILLA_SYNC_LEASE_WAIT_MS must not be negative');
  if (!(o.clusterWaitMs >= 0))
    throw new Error('FLOTILLA_SYNC_CLUSTER_WAIT_SECONDS must not be negative');
  return o;
}
