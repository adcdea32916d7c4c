import { Counter, Gauge, Histogram, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** Reads one work queue's depth when /metrics is scraped. */
export type QueueDepthProbe = () => Promise<{ pending: number; unacked: number }>;
const depthProbes = new Map<string, QueueDepthProbe>();

/** Registers the probe of a work kind's queue (the last one registered for a kind wins); returns an unregister function. */
export function registerQueueDepth(kind: string, probe: QueueDepthProbe): () => void {
  depthProbes.set(kind, probe);
  return () => {
    if (depthProbes.get(kind) === probe) depthProbes.delete(kind);
  };
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
  /** Messages waiting in each work queue (pending) and delivered but not yet settled (unacked). */
  queueDepth: once(
    'flotilla_work_queue_depth',
    () =>
      new Gauge({
        name: 'flotilla_work_queue_depth',
        help: 'Work messages in the queue, by kind and state (pending: not yet delivered; unacked: being handled).',
        labelNames: ['kind', 'state'],
        async collect() {
          this.reset();
          await Promise.all(
            [...depthProbes].map(async ([kind, probe]) => {
              const depth = await probe().catch(() => undefined);
              if (!depth) return;
              this.set({ kind, state: 'pending' }, depth.pending);
              this.set({ kind, state: 'unacked' }, depth.unacked);
            }),
          );
        },
      }),
  ),
  /** Finished sync operations, by final phase. */
  syncOperations: once(
    'flotilla_sync_operations_total',
    () =>
      new Counter({
        name: 'flotilla_sync_operations_total',
        help: 'Sync operations finished, by phase (Succeeded, Failed, Error) and trigger (automated, operation).',
        labelNames: ['phase', 'trigger'],
      }),
  ),
  /** Wall time of finished sync operations, from start (or first attempt) to end. */
  syncSeconds: once(
    'flotilla_sync_operation_seconds',
    () =>
      new Histogram({
        name: 'flotilla_sync_operation_seconds',
        help: 'Duration of finished sync operations, by phase.',
        labelNames: ['phase'],
        buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      }),
  ),
  /** Renders that ended, by result (completed, failed). */
  renders: once(
    'flotilla_renders_total',
    () =>
      new Counter({
        name: 'flotilla_renders_total',
        help: 'Renders of an app that ended, by result (completed, failed: a render.failed event says why).',
        labelNames: ['result'],
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
  /**
   * Requests sent to a Kubernetes apiserver through `rawRequest`, by verb and
   * resource (plural, with its subresource; watches excluded).
   */
  kubeRequests: once(
    'flotilla_kube_requests_total',
    () =>
      new Counter({
        name: 'flotilla_kube_requests_total',
        help: 'Requests sent to a Kubernetes apiserver, by HTTP method and resource.',
        labelNames: ['method', 'resource'],
      }),
  ),
  /** How long apiserver requests through `rawRequest` took, by verb and resource. */
  kubeRequestSeconds: once(
    'flotilla_kube_request_seconds',
    () =>
      new Histogram({
        name: 'flotilla_kube_request_seconds',
        help: 'Time from sending a request to a Kubernetes apiserver to its whole answer.',
        labelNames: ['method', 'resource'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  ),
  /** Notifications that ended, by service type, trigger and outcome (sent, rejected, retry). */
  notifications: once(
    'flotilla_notifications_total',
    () =>
      new Counter({
        name: 'flotilla_notifications_total',
        help: 'Notification deliveries, by service type, trigger and outcome (sent, rejected: dead-lettered, retry: will be tried again).',
        labelNames: ['service_type', 'trigger', 'outcome'],
      }),
  ),
  /** Time one notification took to send. */
  notificationSeconds: once(
    'flotilla_notification_send_seconds',
    () =>
      new Histogram({
        name: 'flotilla_notification_send_seconds',
        help: 'Time to send one notification, by service type.',
        labelNames: ['service_type'],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      }),
  ),
};
