// Executor pieces shared by the applier and the hook-runner: the hook
// hand-over store, running one hook, live reads and watch-driven waits.
export {
  HOOK_STORE_PREFIX,
  HookStore,
  hookStoreKeys,
  type HookSpec,
  type HookVerdict,
} from './hook-store.js';
export { runHook, type RunHookDeps } from './run-hook.js';
export { liveObject, nextChange, waitGone, wakeDelayMs } from './live.js';
export { hookDeadline, nextHookStep, type HookLook, type HookStep } from './hook-step.js';
export {
  hookLogSource,
  hookLogTail,
  logText,
  newestPodName,
  LOG_TAIL_LINES,
  type HookLogSource,
  type PodList,
} from './logs.js';
export {
  LAST_APPLIED_ANNOTATION,
  clientSideApply,
  threeWayMergePatch,
  withLastApplied,
  type ClientApplyOptions,
  type ClientApplyVerb,
} from './client-apply.js';
