import { describe, expect, it, vi } from 'vitest';
import {
  activeSpan,
  activeTraceparent,
  inSpan,
  parseTraceparent,
  startTracing,
  tracingSettings,
  TracingConfigError,
  type TracingLoader,
} from '../src/tracing.js';

const loader = () =>
  vi.fn<TracingLoader>(async () => ({ enabled: true, shutdown: async () => {} }));

describe('startTracing', () => {
  it.each([
    ['no OTEL_* variable', {}],
    ['OTEL_TRACES_EXPORTER=none', { OTEL_TRACES_EXPORTER: 'none' }],
    ['OTEL_SDK_DISABLED=true', { OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }],
    ['only an endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }],
  ])('with %s creates no exporter and records nothing', async (_, env) => {
    const load = loader();
    const tracing = await startTracing(env, 'flotilla', load);
    expect(load).not.toHaveBeenCalled();
    expect(tracing.enabled).toBe(false);
    await inSpan(
      'x',
      { parent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      async (span) => {
        expect(span.isRecording()).toBe(false);
        expect(activeSpan()).toBeUndefined();
        expect(activeTraceparent()).toBeUndefined();
      },
    );
    await tracing.shutdown();
  });

  it('loads the exporter only for OTEL_TRACES_EXPORTER=otlp', async () => {
    const load = loader();
    const tracing = await startTracing(
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' },
      'flotilla-renderer',
      load,
    );
    expect(tracing.enabled).toBe(true);
    expect(load).toHaveBeenCalledOnce();
    expect(load.mock.calls[0]?.[0]).toEqual({
      serviceName: 'flotilla-renderer',
      protocol: 'http/protobuf',
      url: 'http://127.0.0.1:4318/v1/traces',
      headers: {},
    });
  });
});

describe('tracingSettings', () => {
  it('reads the standard variables, the traces-specific ones first', () => {
    expect(
      tracingSettings(
        {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_SERVICE_NAME: 'fleet-a',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example:4318/custom/traces',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a,authorization=Bearer%20t0k',
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=b',
          OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
        },
        'flotilla',
      ),
    ).toEqual({
      serviceName: 'fleet-a',
      protocol: 'http/protobuf',
      url: 'https://otel.example:4318/custom/traces',
      headers: { 'x-tenant': 'b', authorization: 'Bearer t0k' },
      timeoutMs: 5000,
    });
  });

  it('defaults to http/protobuf on localhost:4318', () => {
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' }, 'flotilla')?.url).toBe(
      'http://localhost:4318/v1/traces',
    );
  });

  const otlp = { OTEL_TRACES_EXPORTER: 'otlp' };
  it.each([
    [
      'defaults to localhost:4317',
      { ...otlp, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'http://localhost:4317',
    ],
    [
      'uses the endpoint as it is, without /v1/traces',
      {
        ...otlp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4317/',
      },
      'https://otel.example:4317',
    ],
    [
      'takes the traces-specific protocol and endpoint first',
      {
        ...otlp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4317',
      },
      'http://collector:4317',
    ],
    [
      'reads an endpoint without a scheme as TLS',
      {
        ...otlp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
      },
      'https://collector:4317',
    ],
    [
      'reads one without a scheme as plaintext when OTEL_EXPORTER_OTLP_INSECURE=true',
      {
        ...otlp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
        OTEL_EXPORTER_OTLP_INSECURE: 'true',
      },
      'http://collector:4317',
    ],
    [
      'lets the scheme win over OTEL_EXPORTER_OTLP_TRACES_INSECURE',
      {
        ...otlp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317',
        OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true',
      },
      'https://collector:4317',
    ],
  ])('with grpc %s', (_, env, url) => {
    expect(tracingSettings(env, 'flotilla')).toMatchObject({ protocol: 'grpc', url });
  });

  it('keeps http/protobuf when the protocol variables are empty', () => {
    expect(
      tracingSettings({ ...otlp, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: '' }, 'flotilla'),
    ).toMatchObject({ protocol: 'http/protobuf', url: 'http://localhost:4318/v1/traces' });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /zipkin is not supported/],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      /http\/json is not supported: use http\/protobuf .* or grpc/,
    ],
    [
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/v1/traces',
      },
      /has a path/,
    ],
    [
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'unix:///run/otel.sock',
      },
      /use http:\/\/ \(plaintext\) or https:\/\//,
    ],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' }, /not an http/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, /key=value/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TIMEOUT: '-1' }, /timeout/],
  ])('refuses %o with a clear error', (env, message) => {
    expect(() => tracingSettings(env, 'flotilla')).toThrow(TracingConfigError);
    expect(() => tracingSettings(env, 'flotilla')).toThrow(message);
  });

  it('names no credential of a gRPC endpoint in its error', () => {
    const env = {
      ...otlp,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:s3cret@collector:4317',
    };
    expect(() => tracingSettings(env, 'flotilla')).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
    expect(() => tracingSettings(env, 'flotilla')).not.toThrow(/s3cret/);
  });
});

describe('parseTraceparent', () => {
  it('reads a valid traceparent as a remote parent', () => {
    expect(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it.each([undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01'])(
    'starts a new trace for %o',
    (value) => {
      expect(parseTraceparent(value)).toBeUndefined();
    },
  );
});

describe('with tracing off', () => {
  it('loads nothing of OpenTelemetry: spans are one no-op object', async () => {
    const seen: unknown[] = [];
    await inSpan('a', {}, async (a) => {
      seen.push(a);
      await inSpan('b', { parent: null }, async (b) => void seen.push(b));
    });
    expect(seen[0]).toBe(seen[1]);
    expect((seen[0] as { isRecording(): boolean }).isRecording()).toBe(false);
  });
});
