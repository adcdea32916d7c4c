export { connectBus, busProblem, type BusConnectionOptions } from './connection.js';
export { connectRole, type RoleConnections } from './role-connections.js';
export {
  provisionBus,
  compileBusOptions,
  consumerName,
  provisionEventConsumer,
  type BusOptions,
  type CompiledBusOptions,
} from './provision.js';
export { createPublisher, type BusPublisher, type PublishOptions } from './publish.js';
export {
  startWorker,
  startConsumer,
  type ConsumerLoopOptions,
  type Worker,
  type WorkerOptions,
  type WorkerStats,
  type Handler,
  type HandlerContext,
} from './worker.js';
export { Outcomes, outcomeOfError, backoffDelay, type Outcome, type Backoff } from './outcome.js';
export {
  WaitingError,
  StallingError,
  StaleLeaseError,
  isWaiting,
  isStalling,
  isStaleLease,
} from './errors.js';
export { LeaseManager, type Lease, type LeaseOptions } from './lease.js';
export { traceparent } from './trace.js';
export { publishDeadLetter, type DeadLetterInput } from './dead-letter.js';
