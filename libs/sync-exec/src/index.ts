// Executor pieces shared by the applier and the hook-runner: the hook
// hand-over store, running one hook, live reads and watch-driven waits.
export { HookStore, type HookSpec, type HookVerdict } from './hook-store.js';
export { runHook, type RunHookDeps } from './run-hook.js';
export { liveObject, nextChange, waitGone } from './live.js';
export { hookLogTail, LOG_TAIL_LINES } from './logs.js';
