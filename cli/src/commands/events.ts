import { Option, type Command } from 'commander';
import picomatch from 'picomatch';
import { stringify } from 'yaml';
import { DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '@flotilla/bus';
import {
  EVENT_NAMES,
  Streams,
  type EventName,
  SubjectRoots,
  type FlotillaEvent,
  type ResourceKey,
} from '@flotilla/contracts';
import { namespaceOf, natsUrl, type ConnectionOpts } from '../apps.js';
import { progress } from '../context.js';
import { ExitError, UsageError } from '../exit.js';
import { outputOption, short, type Output } from '../output.js';
import { parseSince } from '../parse.js';
import { summaryOf } from './summaries.js';

interface TailOpts extends ConnectionOpts {
  natsUrl?: string;
  app?: string;
  type?: string[];
  allNamespaces?: boolean;
  since?: Date;
  all?: boolean;
  follow: boolean;
  count?: number;
  output: Output;
}

const CATEGORIES = [...new Set(EVENT_NAMES.map((n) => n.split('.')[0] ?? ''))];
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Event names (`<category>.<action>`) a --type value selects: a name, a category or a glob. */
export function namesOfType(type: string): EventName[] {
  // A full CloudEvents type (dev.flotilla.operation.failed.v1) works as well as its name.
  const t = type.replace(/^dev\.flotilla\./, '').replace(/\.v\d+$/, '');
  if ((EVENT_NAMES as readonly string[]).includes(t)) return [t as EventName];
  if (CATEGORIES.includes(t)) return EVENT_NAMES.filter((n) => n.startsWith(`${t}.`));
  const matches = picomatch(t);
  const names = picomatch.scan(t).isGlob ? EVENT_NAMES.filter((n) => matches(n)) : [];
  if (names.length === 0)
    throw new UsageError(
      `unknown event type ${JSON.stringify(type)}; use a category (${CATEGORIES.join(', ')}), a glob such as operation.* or *.failed, or one of ${EVENT_NAMES.join(', ')}`,
    );
  return names;
}

/**
 * The subjects to follow: one per event name or category that --type selects
 * (each value may be a comma-separated list), or all.
 */
export function eventFilters(
  namespace: string,
  app: string | undefined,
  types: readonly string[],
): string[] {
  for (const [what, v] of [
    ['namespace', namespace],
    ['--app', app],
  ] as const) {
    if (v !== undefined && v !== '*' && !TOKEN.test(v))
      throw new UsageError(`${what} ${JSON.stringify(v)} cannot be part of a NATS subject`);
  }
  const base = `${SubjectRoots.events}.${namespace}.${app ?? '*'}`;
  const names = new Set(
    types
      .flatMap((v) =>
        v
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .flatMap(namesOfType),
  );
  if (names.size === 0) return [`${base}.>`];
  // A whole category is one wildcard subject rather than one per event.
  const filters = new Set<string>();
  for (const n of names) {
    const category = n.split('.')[0] ?? '';
    const all = EVENT_NAMES.filter((e) => e.startsWith(`${category}.`));
    filters.add(all.every((e) => names.has(e)) ? `${base}.${category}.>` : `${base}.${n}`);
  }
  return [...filters];
}

/** Whether a NATS subject matches a filter with `*` and `>` wildcards. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

const res = (k: ResourceKey | undefined) =>
  k
    ? `${k.kind}${k.group ? `.${k.group}` : ''} ${k.namespace ? `${k.namespace}/` : ''}${k.name}`
    : '';

type Data = Record<string, unknown> & {
  revisions?: string[];
  revision?: string;
  message?: string;
  operationId?: string;
  resource?: ResourceKey;
  hook?: ResourceKey;
};

/** The gist of an event's data, in a few words. */
export function summary(name: string, data: Data): string {
  const revs = (data.revisions ?? []).map(short).join(',');
  switch (name) {
    case 'source.changed':
      return `revision ${((data['previousRevisions'] as string[] | undefined) ?? []).map(short).join(',') || '(none)'} -> ${revs}`;
    case 'render.completed':
      return `${String(data['resourceCount'])} resources at ${revs}${data['cached'] ? ' (cached)' : ''} in ${String(data['durationMs'])} ms`;
    case 'render.failed':
      return `${revs ? `${revs}: ` : ''}${data.message ?? ''}`;
    case 'app.sync-changed':
    case 'app.health-changed':
      return `${String(data['from'])} -> ${String(data['to'])}${data.message ? `: ${data.message}` : ''}`;
    case 'app.drift-detected':
      return ((data['resources'] as { resource: ResourceKey; fields: string[] }[]) ?? [])
        .map((r) => `${res(r.resource)} ${r.fields.join(',')}`)
        .join('; ');
    case 'app.deleting':
      return `${data.operationId ?? ''}: ${data['cascade'] ? `deleting ${String(data['resourceCount'])} resources (${String(data['propagation'])})` : 'no cascade, resources stay'}`;
    case 'app.deletion-waiting':
    case 'app.deletion-failed':
      return `${data.operationId ?? ''}: ${data.message ?? ''}`;
    case 'app.deleted':
      return `${data.operationId ?? ''}: ${String(data['deletedCount'])} deleted, ${String(data['keptCount'])} kept in ${String(data['durationMs'])} ms`;
    case 'operation.started':
      return `${data.operationId ?? ''} by ${String(data['trigger'])}${data.revision ? ` at ${short(data.revision)}` : ''}${data['prune'] ? ' prune' : ''}${data['dryRun'] ? ' dry-run' : ''}`;
    case 'operation.wave-completed':
      return `${data.operationId ?? ''} ${String(data['phase'])} wave ${String(data['wave'])}: ${String(data['resourceCount'])} resources`;
    case 'operation.succeeded':
    case 'operation.failed':
      return `${data.operationId ?? ''}: ${data.message ?? ''}`;
    case 'hook.started':
    case 'hook.succeeded':
    case 'hook.failed':
      return `${String(data['hookType'])} ${res(data.hook)}${data.message ? `: ${data.message}` : ''}`;
    case 'resource.applied':
    case 'resource.pruned':
      return `${res(data.resource)}${data.message ? `: ${data.message}` : ''}`;
    default:
      return JSON.stringify(data);
  }
}

/** The event's `<category>.<action>` from its CloudEvents type. */
const nameOf = (e: FlotillaEvent) => e.type.replace(/^dev\.flotilla\./, '').replace(/\.v\d+$/, '');

/** One line per event: time, app, type and the gist; `wide` adds source and id. */
export function formatEvent(e: FlotillaEvent, output: Output): string {
  const name = nameOf(e);
  const time = e.time.replace(/\.\d+Z$/, 'Z');
  const extra = output === 'wide' ? `  [${e.source} ${e.id}]` : '';
  return `${time}  ${e.subject}  ${name}  ${summary(name, e.data as Data)}${extra}\n`;
}

function write(msg: JsMsg, output: Output): void {
  let event: FlotillaEvent;
  try {
    event = msg.json<FlotillaEvent>();
  } catch {
    process.stderr.write(`warning: message ${msg.seq} on ${msg.subject} is not JSON\n`);
    return;
  }
  if (output === 'json') process.stdout.write(JSON.stringify(event) + '\n');
  else if (output === 'yaml') process.stdout.write(`---\n${stringify(event)}`);
  else process.stdout.write(formatEvent(event, output));
}

async function tail(opts: TailOpts): Promise<void> {
  if (opts.all && opts.since !== undefined) throw new UsageError('use --since or --all, not both');
  const namespace = opts.allNamespaces ? '*' : namespaceOf(opts);
  const filters = eventFilters(namespace, opts.app, opts.type ?? []);
  const url = natsUrl(opts.natsUrl);
  let nc: NatsConnection;
  try {
    nc = await connectBus({ servers: url, name: 'flotilla-cli events' });
  } catch (err) {
    // The message names the server: "NATS at <url>: <why>".
    throw new ExitError(`cannot reach ${(err as Error).message}`, 1);
  }
  let messages: ConsumerMessages | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    messages?.stop();
    void nc.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const consumer = await jetstream(nc)
      .consumers.get(Streams.Events, {
        // One filter goes to the server; several are matched here, so servers before 2.10 work.
        filter_subjects: filters.length === 1 ? filters[0] : `${SubjectRoots.events}.>`,
        ...(opts.all
          ? { deliver_policy: DeliverPolicy.All }
          : opts.since !== undefined
            ? {
                deliver_policy: DeliverPolicy.StartTime,
                opt_start_time: opts.since.toISOString(),
              }
            : { deliver_policy: DeliverPolicy.New }),
      })
      .catch((err: Error) => {
        if (stopped) return undefined;
        throw new ExitError(
          /stream not found/i.test(err.message)
            ? `NATS at ${url} has no ${Streams.Events} stream: no Flotilla role has run against it yet`
            : `cannot read ${Streams.Events} at ${url}: ${err.message}`,
          1,
        );
      });
    if (!consumer || stopped) return;
    if (!opts.follow && (await consumer.info(true)).num_pending === 0) return;
    messages = await consumer.consume();
    if (stopped) messages.stop();
    progress(
      `${opts.follow ? 'following' : 'reading'} ${filters.join(', ')} on ${url}${opts.follow ? ' (Ctrl-C stops)' : ''}`,
    );
    let seen = 0;
    for await (const msg of messages) {
      const last = !opts.follow && msg.info.pending === 0;
      if (filters.some((f) => subjectMatches(f, msg.subject))) {
        write(msg, opts.output);
        seen++;
      }
      if (last || (opts.count !== undefined && seen >= opts.count)) {
        messages.stop();
        break;
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (!nc.isClosed()) await nc.close();
  }
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--count ${v}: use a positive integer`);
  return n;
};

/** `flotilla events ...`: the event log on NATS. */
export function registerEvents(program: Command): void {
  const events = program.command('events').description(summaryOf('events'));
  events
    .command('tail')
    .description('print events as they happen, one line each; Ctrl-C stops')
    .option('--app <name>', 'only this Application')
    .option(
      '--type <types...>',
      'only these CloudEvent types: names such as app.sync-changed, categories, or globs such as operation.* (comma-separated or repeated)',
    )
    .option(
      '-n, --namespace <ns>',
      'namespace of the Applications (env FLOTILLA_NAMESPACE; default flotilla)',
    )
    .option('-A, --all-namespaces', 'Applications of every namespace')
    .addOption(
      new Option(
        '--since <duration|time>',
        'start with the stored events since this long ago (10m, 2h) or this RFC 3339 time',
      ).argParser(parseSince),
    )
    .option('--all', 'start with the oldest event kept')
    .option('--no-follow', 'stop after the stored events instead of waiting for new ones')
    .option('--count <n>', 'stop after this many events', positiveInt)
    .option('--nats-url <url>', 'NATS (env FLOTILLA_NATS_URL; default nats://127.0.0.1:4222)')
    .addOption(outputOption(['table', 'wide', 'json', 'yaml']))
    .addHelpText(
      'after',
      `
Event types (docs/events.md), by category:
  ${CATEGORIES.map((c) => `${c}.*`).join(', ')}
For example:
  --type 'operation.*,hook.failed'   operations and failed hooks
  --type '*.failed'                  every failure
-o json prints one CloudEvent per line; -o yaml one document each.
Without --since or --all only new events are shown; --since replays the stream
from that time (2026-12-02T09:00:00Z or a duration back from now) and then
follows, unless --no-follow.`,
    )
    .action(tail);
}
