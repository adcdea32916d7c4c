import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, userCacheDir, waitFor } from '@flotilla/runtime';
import { provisionOtelcol } from '@flotilla/toolchain';
import { ownedServer, type TestServer } from './servers.js';

/** One span as the collector exported it. */
export interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a trace's root. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly status: 'unset' | 'ok' | 'error';
  readonly statusMessage?: string;
  /** `service.name` of the resource that sent it. */
  readonly service: string;
}

/** An OpenTelemetry Collector that takes OTLP over HTTP and gRPC and writes what it gets to a file. */
export interface TestCollector extends TestServer {
  /** `OTEL_*` settings that send a process's spans here over OTLP/HTTP (protobuf). */
  readonly otelEnv: Readonly<Record<string, string>>;
  /** `OTEL_*` settings that send a process's spans here over OTLP/gRPC (plaintext). */
  readonly grpcOtelEnv: Readonly<Record<string, string>>;
  /** Every span the collector has written so far. */
  spans(): Promise<ExportedSpan[]>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpAttribute[];
  status?: { code?: number; message?: string };
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

const log = (m: string) => process.stderr.write(`[otelcol] ${m}\n`);

function valueOf(v: OtlpValue | undefined): string | number | boolean {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return '';
}

const attributes = (list: OtlpAttribute[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

/** Reads the file exporter's output: one OTLP/JSON export request per line. */
export function parseExportedSpans(text: string): ExportedSpan[] {
  const out: ExportedSpan[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as OtlpRequest;
    for (const rs of req.resourceSpans ?? []) {
      const service = String(attributes(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const code = s.status?.code ?? 0;
          out.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            startNs: BigInt(s.startTimeUnixNano),
            endNs: BigInt(s.endTimeUnixNano),
            attributes: attributes(s.attributes),
            status: code === 2 ? 'error' : code === 1 ? 'ok' : 'unset',
            ...(s.status?.message ? { statusMessage: s.status.message } : {}),
            service,
          });
        }
      }
    }
  }
  return out;
}

/**
 * Starts the OpenTelemetry Collector (built from its Go modules on first
 * use) with its OTLP receiver on two free ports, HTTP and gRPC, and the file
 * exporter, so a suite reads back exactly the spans a real receiver got.
 */
export async function startTestCollector(): Promise<TestCollector> {
  const bin = await provisionOtelcol({ cacheDir: userCacheDir(process.env), log });
  const port = await freePort();
  const grpcPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-otelcol-'));
  const output = join(dir, 'traces.jsonl');
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      receivers: {
        otlp: {
          protocols: {
            http: { endpoint: `127.0.0.1:${port}` },
            grpc: { endpoint: `127.0.0.1:${grpcPort}` },
          },
        },
      },
      // Every batch as one line of OTLP/JSON, flushed at once.
      exporters: { file: { path: output, format: 'json', flush_interval: '100ms' } },
      service: {
        pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } },
        // No metrics port of its own: suites run side by side.
        telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
      },
    }),
  );
  const server = await ownedServer({
    name: 'otelcol',
    bin,
    scheme: 'http',
    port,
    args: () => ['--config', `file:${config}`],
  });
  // The server is up once its HTTP port listens; the gRPC one opens alongside.
  await waitFor(`otelcol gRPC on :${grpcPort}`, () => isListening(grpcPort), {
    timeoutMs: 15_000,
    intervalMs: 25,
  });
  const dispose = server[Symbol.asyncDispose].bind(server);
  return Object.assign(server, {
    otelEnv: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
    },
    grpcOtelEnv: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`,
    },
    async spans() {
      return parseExportedSpans(await readFile(output, 'utf8').catch(() => ''));
    },
    async [Symbol.asyncDispose]() {
      await dispose();
      await rm(dir, { recursive: true, force: true });
    },
  });
}
