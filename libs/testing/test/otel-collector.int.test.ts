import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTraceparent, inSpan, SpanAttr, startTracing } from '@flotilla/runtime';
import { startTestCollector, waitFor, type TestCollector } from '../src/index.js';

// A remote parent, as a bus message would carry it.
const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${PARENT_TRACE}-00f067aa0ba902b7-01`;

describe('a process exports its spans to a real OpenTelemetry Collector', () => {
  let collector: TestCollector;

  beforeAll(async () => {
    // A limit, not an expectation: the collector's first build (once per version) takes
    // 3 to 20 minutes on 2 shared cores.
    collector = await startTestCollector();
  }, 30 * 60_000);
  afterAll(async () => {
    await collector?.[Symbol.asyncDispose]();
  });

  it.each([
    ['OTLP/gRPC', 'grpc', () => collector.grpcOtelEnv],
    ['OTLP/HTTP (protobuf)', 'http', () => collector.otelEnv],
  ])('over %s, spans keep their parent, attributes and service name', async (_, tag, env) => {
    const service = `flotilla-${tag}-test`;
    const tracing = await startTracing(
      { ...env(), OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=flotilla' },
      service,
    );
    expect(tracing.enabled).toBe(true);
    let childParent: string | undefined;
    try {
      await inSpan(
        'test.handle',
        { parent: PARENT, attributes: { [SpanAttr.app]: `ns/${tag}` } },
        async () => {
          childParent = activeTraceparent();
          await inSpan('test.step', { attributes: { [SpanAttr.result]: 'done' } }, async () => {});
        },
      );
      await expect(
        inSpan('test.fails', { parent: PARENT }, async () => {
          throw new Error(`${tag} step failed`);
        }),
      ).rejects.toThrow();
    } finally {
      // Flushes the batch: the spans are in the collector's hands once this returns.
      await tracing.shutdown();
    }

    const mine = async () => (await collector.spans()).filter((s) => s.service === service);
    await waitFor('the spans in the collector file', async () => (await mine()).length === 3, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const spans = await mine();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const handle = byName.get('test.handle')!;
    const step = byName.get('test.step')!;
    expect(handle).toMatchObject({
      traceId: PARENT_TRACE,
      parentSpanId: '00f067aa0ba902b7',
      attributes: { 'flotilla.app': `ns/${tag}` },
      status: 'unset',
    });
    expect(childParent).toBe(`00-${PARENT_TRACE}-${handle.spanId}-01`);
    expect(step).toMatchObject({
      traceId: PARENT_TRACE,
      parentSpanId: handle.spanId,
      attributes: { 'flotilla.result': 'done' },
    });
    expect(byName.get('test.fails')).toMatchObject({
      traceId: PARENT_TRACE,
      status: 'error',
      statusMessage: `${tag} step failed`,
    });
  });
});
