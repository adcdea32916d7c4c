import { availableParallelism } from 'node:os';

/** differ settings after defaults; see docs/configuration.md. */
export interface DifferOptions {
  /** Every app is compared again this often even without a trigger (safety net); 3 min. */
  readonly resyncMs: number;
  /** Apps compared at once per differ process; 32 per core (a comparison mostly waits on I/O). */
  readonly concurrency: number;
  /** Drift events for one app within this window become one comparison. */
  readonly driftDebounceMs: number;
  /** How often each cluster's cache size and reachability are written for `flotilla cluster`; 30 s. */
  readonly clusterReportMs: number;
}

/** Compiles options from the environment (passed in, never read here). */
export function compileDifferOptions(
  env: Readonly<Record<string, string | undefined>>,
  cores = availableParallelism(),
): DifferOptions {
  const o: DifferOptions = {
    resyncMs: Number(env['FLOTILLA_RESYNC_SECONDS'] ?? 180) * 1000,
    concurrency: Number(env['FLOTILLA_DIFF_CONCURRENCY'] ?? 32 * cores),
    driftDebounceMs: Number(env['FLOTILLA_DRIFT_DEBOUNCE_MS'] ?? 50),
    clusterReportMs: Number(env['FLOTILLA_CLUSTER_REPORT_SECONDS'] ?? 30) * 1000,
  };
  if (!(o.resyncMs > 0)) throw new Error('FLOTILLA_RESYNC_SECONDS must be a positive number');
  if (!(o.concurrency >= 1)) throw new Error('FLOTILLA_DIFF_CONCURRENCY must be at least 1');
  if (!(o.driftDebounceMs >= 0))
    throw new Error('FLOTILLA_DRIFT_DEBOUNCE_MS must be a number of milliseconds, 0 or more');
  if (!(o.clusterReportMs > 0))
    throw new Error('FLOTILLA_CLUSTER_REPORT_SECONDS must be a positive number');
  return o;
}
