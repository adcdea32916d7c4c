// OpenTelemetry traces. While tracing is off nothing of OpenTelemetry is
// loaded, not even `@opentelemetry/api` (so `flotilla --help` and every
// command start as before), and each span is one shared no-op object. Only
// when OTEL_TRACES_EXPORTER asks for export are the API, the SDK and the
// OTLP exporter of the chosen protocol (HTTP/protobuf or gRPC) imported, and
// the tracer provider registered.
import type {
  Attributes,
  Context,
  Span,
  SpanContext,
  SpanStatusCode,
  TraceFlags,
} from '@opentelemetry/api';
import type * as OtelApiModule from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

export type { Span };

type OtelApi = typeof OtelApiModule;

/** The API, once {@link startTracing} has registered a provider; undefined while tracing is off. */
let api: OtelApi | undefined;

/** Attribute names on Flotilla's spans (besides OpenTelemetry's own). */
export const SpanAttr = {
  /** `<namespace>/<name>` of the Application. */
  app: 'flotilla.app',
  /** The commit SHA (or chart version) the work is for, comma-separated for multi-source apps. */
  revision: 'flotilla.revision',
  /** Why the work was asked for (the command's reason). */
  reason: 'flotilla.reason',
  /** How the work ended: a phase, a sync status or a short word. */
  result: 'flotilla.result',
  /** Sync phase of a wave or hook (PreSync, Sync, PostSync, SyncFail...). */
  phase: 'flotilla.sync.phase',
  wave: 'flotilla.sync.wave',
  /** `<kind>/<name>` of a hook resource. */
  hook: 'flotilla.hook',
  /** Resources a step touched. */
  resources: 'flotilla.resources',
  /** The role that made the span. */
  role: 'flotilla.role',
  /** The CloudEvent a span handles (`app.health-changed`, `operation.completed`...). */
  event: 'flotilla.event',
  /** Subscriptions of an app (annotations on it and its project, and the ConfigMap's). */
  subscriptions: 'flotilla.notify.subscriptions',
  /** Notifications an event decided on. */
  notifications: 'flotilla.notify.notifications',
  /** The trigger of a notification (`on-sync-succeeded`...). */
  trigger: 'flotilla.notify.trigger',
  /** The service name a subscription names (`slack`, `audit`...), never its URL. */
  service: 'flotilla.notify.service',
  /** The type of that service (`webhook`, `slack`, `teams`, `github`, `email`). */
  serviceType: 'flotilla.notify.service_type',
  /** The notification id receivers get (`X-Flotilla-Delivery`, the mail's Message-ID). */
  notification: 'flotilla.notify.id',
} as const;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const SAMPLED = 1 as TraceFlags;
const STATUS_ERROR = 2 as SpanStatusCode;

const INVALID_SPAN_CONTEXT: SpanContext = {
  traceId: '0'.repeat(32),
  spanId: '0'.repeat(16),
  traceFlags: 0 as TraceFlags,
};

/** The span every call gets while tracing is off: records nothing, costs nothing. */
const NOOP_SPAN: Span = {
  spanContext: () => INVALID_SPAN_CONTEXT,
  setAttribute: () => NOOP_SPAN,
  setAttributes: () => NOOP_SPAN,
  addEvent: () => NOOP_SPAN,
  addLink: () => NOOP_SPAN,
  addLinks: () => NOOP_SPAN,
  setStatus: () => NOOP_SPAN,
  updateName: () => NOOP_SPAN,
  end: () => undefined,
  isRecording: () => false,
  recordException: () => undefined,
};

/** The span context a W3C `traceparent` names, or undefined when it is absent or malformed. */
export function parseTraceparent(traceparent: string | undefined): SpanContext | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: (parseInt(m[3]!, 16) & SAMPLED) as TraceFlags,
    isRemote: true,
  };
}

function contextOf(otel: OtelApi, traceparent: string | undefined): Context {
  const sc = parseTraceparent(traceparent);
  return sc ? otel.trace.setSpanContext(otel.ROOT_CONTEXT, sc) : otel.ROOT_CONTEXT;
}

/** The span active now (undefined with tracing off), to add what a callee learns to its caller's span. */
export function activeSpan(): Span | undefined {
  const span = api?.trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/**
 * The W3C `traceparent` of the span active now, when one is recording
 * (tracing is on); undefined otherwise, so callers keep their own.
 */
export function activeTraceparent(): string | undefined {
  const span = activeSpan();
  if (!span) return undefined;
  const sc = span.spanContext();
  const flags = (sc.traceFlags & SAMPLED).toString(16).padStart(2, '0');
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** Marks a span failed with a message that names no secret (callers pass what they would log). */
export function failSpan(span: Span, message: string): void {
  span.setStatus({ code: STATUS_ERROR, message: message.slice(0, 512) });
}

/**
 * Starts a child of the span active now, for a stretch of work that does not
 * fit one call (a sync wave: applied, then waited on); the caller ends it.
 */
export function startChildSpan(name: string, attributes?: Attributes): Span {
  if (!api) return NOOP_SPAN;
  return api.trace
    .getTracer('flotilla')
    .startSpan(name, attributes ? { attributes } : {}, api.context.active());
}

/** Runs `fn` with `span` active, so spans and messages it starts hang under it. */
export function runInSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  if (!api || !span.isRecording()) return fn();
  return api.context.with(api.trace.setSpan(api.context.active(), span), fn);
}

/** Where a span hangs: a `traceparent` from a message, or (undefined) the span active now. */
export interface SpanOptions {
  /** The `traceparent` a message came with; null, malformed or absent starts a new trace. */
  readonly parent?: string | null;
  readonly attributes?: Attributes;
  /** Errors that are no failure (work handed back to be done later): thrown on, status left alone. */
  readonly notFailure?: (err: unknown) => boolean;
}

/**
 * Runs `fn` in a new span, active for everything `fn` awaits (so messages
 * it publishes carry it). A throw ends the span with error status and is
 * rethrown; `fn` may also call {@link failSpan} for failures it returns.
 * With tracing off `fn` gets the no-op span and nothing else happens.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const otel = api;
  if (!otel) return fn(NOOP_SPAN);
  const parent =
    options.parent === undefined ? otel.context.active() : contextOf(otel, options.parent ?? '');
  return otel.trace
    .getTracer('flotilla')
    .startActiveSpan(
      name,
      options.attributes ? { attributes: options.attributes } : {},
      parent,
      async (span) => {
        try {
          return await fn(span);
        } catch (err) {
          if (!options.notFailure?.(err))
            failSpan(span, err instanceof Error ? err.message : String(err));
          throw err;
        } finally {
          span.end();
        }
      },
    );
}

/** Tracing of one process, from {@link startTracing}. */
export interface Tracing {
  /** Whether spans are exported. */
  readonly enabled: boolean;
  /** Exports what is buffered and stops (call once, when the process stops). */
  shutdown(): Promise<void>;
}

/** The OTLP transports Flotilla speaks, named as `OTEL_EXPORTER_OTLP_PROTOCOL` names them. */
export type OtlpProtocol = 'http/protobuf' | 'grpc';

/** The OTLP settings {@link startTracing} reads, from `OTEL_*` variables. */
export interface TracingSettings {
  readonly serviceName: string;
  readonly protocol: OtlpProtocol;
  /**
   * http/protobuf: the full URL spans are posted to (`.../v1/traces`).
   * grpc: `http://host:port` (plaintext) or `https://host:port` (TLS).
   */
  readonly url: string;
  /** HTTP headers, or gRPC metadata. */
  readonly headers: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Thrown for `OTEL_*` values Flotilla cannot honour, with what it accepts. */
export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

const DEFAULT_ENDPOINT: Record<OtlpProtocol, string> = {
  'http/protobuf': 'http://localhost:4318',
  grpc: 'http://localhost:4317',
};

function parseHeaders(value: string | undefined, variable: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new TracingConfigError(`${variable}: expected key=value pairs separated by commas`);
    try {
      out[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
        pair.slice(at + 1).trim(),
      );
    } catch {
      throw new TracingConfigError(`${variable}: a key or value is not valid percent-encoding`);
    }
  }
  return out;
}

/**
 * The gRPC endpoint as the OTLP specification reads it: used as it is (no
 * `/v1/traces`), its scheme choosing plaintext (`http`) or TLS (`https`); an
 * endpoint without a scheme is TLS unless `OTEL_EXPORTER_OTLP_(TRACES_)INSECURE`
 * is `true`. Returns `http(s)://host:port`.
 */
function grpcTarget(endpoint: string, env: Readonly<Record<string, string | undefined>>): string {
  const insecure = (
    env['OTEL_EXPORTER_OTLP_TRACES_INSECURE'] ||
    env['OTEL_EXPORTER_OTLP_INSECURE'] ||
    ''
  )
    .trim()
    .toLowerCase();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)
    ? endpoint
    : `${insecure === 'true' ? 'http' : 'https'}://${endpoint}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new TracingConfigError(`OTLP gRPC endpoint ${endpoint} is not host:port or a URL`);
  }
  if (parsed.username || parsed.password) {
    throw new TracingConfigError(
      'OTLP gRPC endpoint has credentials in it: put them in OTEL_EXPORTER_OTLP_HEADERS',
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TracingConfigError(
      `OTLP gRPC endpoint ${endpoint}: use http:// (plaintext) or https:// (TLS)`,
    );
  }
  if (parsed.pathname !== '/' || parsed.search) {
    throw new TracingConfigError(
      `OTLP gRPC endpoint ${endpoint} has a path: gRPC takes only the host and port (e.g. http://collector:4317)`,
    );
  }
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * Reads the standard variables: tracing is on only when
 * `OTEL_TRACES_EXPORTER` names `otlp` (and `OTEL_SDK_DISABLED` is not
 * `true`); then undefined is never returned. Off, it returns undefined.
 */
export function tracingSettings(
  env: Readonly<Record<string, string | undefined>>,
  defaultServiceName: string,
): TracingSettings | undefined {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = exporters.filter((e) => e !== 'otlp' && e !== 'none');
  if (unknown.length > 0) {
    throw new TracingConfigError(
      `OTEL_TRACES_EXPORTER=${unknown.join(',')} is not supported: use otlp, or none (the default)`,
    );
  }
  if (!exporters.includes('otlp')) return undefined;
  const protocol = (
    env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ||
    env['OTEL_EXPORTER_OTLP_PROTOCOL'] ||
    'http/protobuf'
  ).trim();
  if (protocol !== 'http/protobuf' && protocol !== 'grpc') {
    throw new TracingConfigError(
      `OTLP protocol ${protocol} is not supported: use http/protobuf (port 4318, the default) or grpc (port 4317)`,
    );
  }
  const tracesEndpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || DEFAULT_ENDPOINT[protocol];
  const url =
    protocol === 'grpc'
      ? grpcTarget(tracesEndpoint || endpoint, env)
      : tracesEndpoint || `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  if (protocol === 'http/protobuf') {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    } catch {
      throw new TracingConfigError(`OTLP traces endpoint ${url} is not an http(s) URL`);
    }
  }
  const timeout =
    env['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'] ?? env['OTEL_EXPORTER_OTLP_TIMEOUT'] ?? undefined;
  const timeoutMs = timeout === undefined || timeout === '' ? undefined : Number(timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new TracingConfigError(`OTLP timeout ${timeout} is not a positive whole number of ms`);
  }
  return {
    serviceName: env['OTEL_SERVICE_NAME']?.trim() || defaultServiceName,
    protocol,
    url,
    headers: {
      ...parseHeaders(env['OTEL_EXPORTER_OTLP_HEADERS'], 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...parseHeaders(
        env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'],
        'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
      ),
    },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/** What {@link startTracing} loads when tracing is on; replaceable in tests. */
export interface TracingLoader {
  (settings: TracingSettings, env: Readonly<Record<string, string | undefined>>): Promise<Tracing>;
}

/** The span exporter for the settings' protocol, loading only that protocol's package. */
async function loadExporter(settings: TracingSettings): Promise<SpanExporter> {
  const timeout = settings.timeoutMs !== undefined ? { timeoutMillis: settings.timeoutMs } : {};
  if (settings.protocol === 'grpc') {
    const [{ OTLPTraceExporter }, { Metadata }] = await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-grpc'),
      import('@grpc/grpc-js'),
    ]);
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(settings.headers)) {
      try {
        metadata.set(key, value);
      } catch {
        // The value may be a token: only the key is named.
        throw new TracingConfigError(
          `OTLP header ${key} cannot be sent as gRPC metadata (lowercase letters, digits, - _ . in keys; printable ASCII in values)`,
        );
      }
    }
    // An http:// URL gets plaintext, https:// TLS (with OTEL_EXPORTER_OTLP_CERTIFICATE...).
    return new OTLPTraceExporter({ url: settings.url, metadata, ...timeout });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url: settings.url, headers: settings.headers, ...timeout });
}

/** Loads the SDK and the OTLP exporter and registers them process-wide. */
const loadSdk: TracingLoader = async (settings, env) => {
  const [otel, { NodeTracerProvider, BatchSpanProcessor }, exporter, resources, semconv] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-node'),
      loadExporter(settings),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const fromEnv = resources.resourceFromAttributes(
    parseResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']),
  );
  const provider = new NodeTracerProvider({
    resource: fromEnv.merge(
      resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: settings.serviceName }),
    ),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Registers the provider, an AsyncLocalStorage context manager and the W3C propagator.
  provider.register();
  api = otel;
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown();
      api = undefined;
      otel.trace.disable();
      otel.context.disable();
      otel.propagation.disable();
    },
  };
};

function parseResourceAttributes(value: string | undefined): Attributes {
  try {
    return parseHeaders(value, 'OTEL_RESOURCE_ATTRIBUTES');
  } catch {
    return {};
  }
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Starts exporting this process's spans when the `OTEL_*` variables ask for
 * it (see docs/configuration.md); otherwise loads nothing and every span
 * stays a no-op. Throws {@link TracingConfigError} for values it cannot honour.
 */
export async function startTracing(
  env: Readonly<Record<string, string | undefined>>,
  defaultServiceName: string,
  load: TracingLoader = loadSdk,
): Promise<Tracing> {
  const settings = tracingSettings(env, defaultServiceName);
  if (!settings) return OFF;
  return load(settings, env);
}
