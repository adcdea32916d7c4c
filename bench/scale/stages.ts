// Where the time goes: per app, when each pipeline fact was first seen on the
// event stream, and when the Application watch first showed it Synced/Healthy.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/** Facts timed per app, in pipeline order. */
const FACTS = ['render.completed', 'app.sync-changed', 'operation.started', 'operation.succeeded'];

/** Stage name → [from fact, to fact]; `created` and `done` come from the bench itself. */
export const STAGES: Readonly<Record<string, readonly [string, string]>> = {
  'create → rendered': ['created', 'render.completed'],
  'rendered → compared': ['render.completed', 'app.sync-changed'],
  'compared → operation started': ['app.sync-changed', 'operation.started'],
  'operation started → Succeeded': ['operation.started', 'operation.succeeded'],
  'Succeeded → Synced/Healthy seen': ['operation.succeeded', 'done'],
};

/** First-seen times (ms, performance.now()) of each fact per app. */
export class StageClock {
  readonly times = new Map<string, Map<string, number>>();
  private subs: Subscription[] = [];

  /** Marks `fact` for `app` unless already marked. */
  mark(app: string, fact: string, at = performance.now()): void {
    let m = this.times.get(app);
    if (!m) this.times.set(app, (m = new Map()));
    if (!m.has(fact)) m.set(fact, at);
  }

  /** Forgets every mark after `fact` (for a second round of the same apps). */
  reset(): void {
    this.times.clear();
  }

  /**
   * Listens to the timed facts of `ns`'s apps (plain NATS, no consumer): only
   * those subjects, so the server does not deliver the bench every event and
   * the bench's own work competes less with the roles for the cores.
   */
  listen(nc: NatsConnection, ns: string): void {
    this.subs = FACTS.map((fact) =>
      nc.subscribe(`flotilla.events.${ns}.*.${fact}`, {
        callback: (_err, msg) => {
          const app = msg.subject.split('.')[3] ?? '';
          // A comparison before the first render says Unknown: not yet compared with Git.
          if (fact === 'app.sync-changed') {
            const to = (msg.json() as { data?: { to?: string } }).data?.to;
            if (to === 'Unknown') return;
          }
          this.mark(app, fact);
        },
      }),
    );
  }

  stop(): void {
    for (const sub of this.subs) sub.unsubscribe();
  }

  /** p50/p99/max seconds of each stage over the apps that reached both ends. */
  summary(): Record<string, { n: number; p50: number; p99: number; max: number }> {
    const out: Record<string, { n: number; p50: number; p99: number; max: number }> = {};
    for (const [stage, [from, to]] of Object.entries(STAGES)) {
      const xs: number[] = [];
      for (const m of this.times.values()) {
        const a = m.get(from);
        const b = m.get(to);
        if (a !== undefined && b !== undefined) xs.push((b - a) / 1000);
      }
      out[stage] = { n: xs.length, ...percentiles(xs) };
    }
    return out;
  }
}

/** p50, p99 and max of `xs` (zeros when empty). */
export function percentiles(xs: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}
