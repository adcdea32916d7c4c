// Ends an operation from outside its run: one withdrawn between two
// deliveries, or one whose deliveries kept failing with a fault.
import {
  OperationPhase,
  type Application,
  type Operation,
  type OperationState,
} from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import { readApp, writeApplierStatus } from './app-io.js';
import { TERMINATED_MESSAGE } from './execute.js';
import { announceEnd, countFinished, endOperation, same, type RunDeps } from './operation-run.js';

/**
 * An operation withdrawn between two deliveries (while waiting for its
 * render, a retry's backoff or its cluster): nothing runs any more, so it
 * ends as a terminate does, and its end is announced as any other end is.
 */
export async function endWithdrawn(
  deps: RunDeps,
  ref: AppRef,
  app: Application,
  previous: OperationState,
): Promise<void> {
  const ended: OperationState = {
    ...previous,
    phase: OperationPhase.Failed,
    message: TERMINATED_MESSAGE,
    finishedAt: new Date().toISOString(),
  };
  await writeApplierStatus(deps.kc, ref, {
    operationState: ended,
    ...(app.status?.history ? { history: app.status.history } : {}),
  });
  countFinished(ended, app);
  await Promise.all([announceEnd(deps, ref, ended), endOperation(deps, ref, undefined)]);
}

/**
 * Ends the app's running operation with Error after a fault that kept
 * recurring (an apiserver that refuses every write, say), so an operation
 * never stays Running forever.
 */
export async function errorOperation(
  deps: RunDeps,
  ref: AppRef,
  message: string,
  carried?: Operation,
): Promise<void> {
  const app = await readApp(deps.kc, ref);
  const operation = app?.operation ?? carried;
  if (!app || !operation) return;
  const previous = app.status?.operationState;
  const startedAt =
    previous?.phase === OperationPhase.Running && same(previous.operation, operation)
      ? previous.startedAt
      : new Date().toISOString();
  await writeApplierStatus(deps.kc, ref, {
    operationState: {
      operation: operation as OperationState['operation'],
      phase: OperationPhase.Error,
      message,
      ...(previous?.syncResult ? { syncResult: previous.syncResult } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
    },
    ...(app.status?.history ? { history: app.status.history } : {}),
  });
  countFinished(
    {
      operation: operation as OperationState['operation'],
      phase: OperationPhase.Error,
      message,
      startedAt,
      finishedAt: new Date().toISOString(),
    },
    app,
  );
  await endOperation(deps, ref, app.operation);
}
