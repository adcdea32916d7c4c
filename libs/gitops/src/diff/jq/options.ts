/** Bounds of the jq sandbox; every field is optional. */
export interface JqOptions {
  /** Longest one expression may run on one object; 1 s unless set (Argo CD's default). */
  readonly timeoutMs?: number;
  /** Largest object (UTF-8 JSON) handed to jq; 768 KiB unless set, at most 900 KiB. */
  readonly maxInputBytes?: number;
  /** Largest answer (the list of paths); 256 KiB unless set. */
  readonly maxOutputBytes?: number;
  /** JavaScript heap of the sandbox thread; 64 MiB unless set. jq's own heap is capped at 256 MiB by its build. */
  readonly maxHeapMb?: number;
  /** Longest the sandbox may take to start; 10 s unless set. */
  readonly startupTimeoutMs?: number;
}

/** {@link JqOptions} with every default filled in. */
export interface CompiledJqOptions {
  readonly timeoutMs: number;
  readonly maxInputBytes: number;
  readonly maxOutputBytes: number;
  readonly maxHeapMb: number;
  readonly startupTimeoutMs: number;
}

// jq-wasm copies its arguments onto a 1 MiB stack; beyond this the copy
// overruns it, so the limit cannot be raised.
const HARD_MAX_INPUT = 900 * 1024;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number`);
  return v;
}

/** Fills in the defaults of {@link JqOptions} and checks the limits. */
export function compileJqOptions(options: JqOptions = {}): CompiledJqOptions {
  const maxInputBytes = positive('maxInputBytes', options.maxInputBytes, 768 * 1024);
  if (maxInputBytes > HARD_MAX_INPUT) {
    throw new RangeError(`maxInputBytes must be at most ${HARD_MAX_INPUT}`);
  }
  return {
    timeoutMs: positive('timeoutMs', options.timeoutMs, 1000),
    maxInputBytes,
    maxOutputBytes: positive('maxOutputBytes', options.maxOutputBytes, 256 * 1024),
    maxHeapMb: positive('maxHeapMb', options.maxHeapMb, 64),
    startupTimeoutMs: positive('startupTimeoutMs', options.startupTimeoutMs, 10_000),
  };
}
