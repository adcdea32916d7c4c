import { Counter, Gauge, Histogram, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** Flotilla's metrics, registered once per process (roles in one process share them). */
export const metrics = {
  /** Work messages handled, by kind and outcome (done, wait, stall, retry, dead-letter). */
  work: once(
    'flotilla_work_messages_total',
    () =>
      new Counter({
        name: 'flotilla_work_messages_total',
        help: 'Work messages handled, by kind and outcome.',
        labelNames: ['kind', 'outcome'],
      }),
  ),
  /** Redeliveries seen, by kind. */
  redeliveries: once(
    'flotilla_work_redeliveries_total',
    () =>
      new Counter({
        name: 'flotilla_work_redeliveries_total',
        help: 'Work messages delivered more than once.',
        labelNames: ['kind'],
      }),
  ),
  /** Handler duration, by kind. */
  handleSeconds: once(
    'flotilla_work_handle_seconds',
    () =>
      new Histogram({
        name: 'flotilla_work_handle_seconds',
        help: 'Time to handle one work message (render, diff = reconcile, sync, hook), by kind.',
        labelNames: ['kind'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      }),
  ),
  /** Messages in flight per kind in this process. */
  inFlight: once(
    'flotilla_work_in_flight',
    () =>
      new Gauge({
        name: 'flotilla_work_in_flight',
        help: 'Work messages being handled now.',
        labelNames: ['kind'],
      }),
  ),
  /** Git remote calls, by operation. */
  gitCalls: once(
    'flotilla_git_remote_calls_total',
    () =>
      new Counter({
        name: 'flotilla_git_remote_calls_total',
        help: 'Calls that reached a Git remote.',
        labelNames: ['op'],
      }),
  ),
};
