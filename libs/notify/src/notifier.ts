// Turns one event into notifications: read the app (or the last copy seen,
// once it is deleted) and its project, judge every subscription's trigger as
// of the event, record which fire in the outbox, then send what is not sent
// yet. Called again for the same event, it sends only what is still unsent.
import type { EventName, FlotillaEvent } from '@flotilla/contracts';
import { failSpan, inSpan, metrics, SpanAttr, type Logger, type Span } from '@flotilla/runtime';
import { resolveSecrets, type NotifyConfig } from './config.js';
import { isPermanent } from './errors.js';
import { judge, notificationId, stateKey } from './plan.js';
import type { Outbox, PlannedNotification } from './outbox.js';
import { renderNotification } from './render.js';
import { SENDERS } from './services/index.js';
import { appAsOfEvent, EVALUATED_EVENTS, type Json } from './snapshot.js';
import { subscriptionsOf } from './subscriptions.js';

/** What the notifier reads from the cluster. */
export interface NotifierSources {
  /** The Application, or undefined once it is gone. */
  app(namespace: string, name: string): Promise<Json | undefined>;
  /** The AppProject (projects live in the control namespace, whatever the app's), or undefined. */
  project(name: string): Promise<Json | undefined>;
  /** The parsed ConfigMap and the Secret's data (decoded). */
  settings(): Promise<{ config: NotifyConfig; secrets: Readonly<Record<string, string>> }>;
}

/** A notification that can never be sent, for the dead-letter subject. */
export interface Rejection {
  readonly notification: PlannedNotification;
  readonly reason: string;
}

/** What handling one event did. */
export interface NotifyResult {
  readonly sent: number;
  readonly rejected: readonly Rejection[];
  /** Failures worth a retry; the caller redelivers the event with backoff. */
  readonly failed: readonly string[];
}

/** Turns events into notifications. */
export class Notifier {
  constructor(
    private readonly sources: NotifierSources,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {}

  /**
   * Handles one event; see {@link NotifyResult}. `traceparent` is the one the
   * event came with: the span of the handling hangs under it.
   */
  async handle(
    event: FlotillaEvent & { name: EventName },
    traceparent?: string,
  ): Promise<NotifyResult> {
    if (!EVALUATED_EVENTS.has(event.name)) return { sent: 0, rejected: [], failed: [] };
    return inSpan(
      'notifier.event',
      {
        parent: traceparent ?? null,
        attributes: {
          [SpanAttr.role]: 'notifier',
          [SpanAttr.app]: event.subject,
          [SpanAttr.event]: event.name,
        },
      },
      async (span) => {
        const result = await this.notify(event, span);
        const { sent, rejected, failed } = result;
        span.setAttribute(
          SpanAttr.result,
          `${sent} sent, ${rejected.length} rejected, ${failed.length} to retry`,
        );
        const failures = [...rejected.map((r) => r.reason), ...failed];
        if (failures.length > 0) failSpan(span, failures.join('; '));
        return result;
      },
    );
  }

  private async notify(
    event: FlotillaEvent & { name: EventName },
    span: Span,
  ): Promise<NotifyResult> {
    const { config, secrets } = await this.sources.settings();
    const plan =
      (await this.outbox.plan(event.id)) ??
      (await inSpan('notifier.match', {}, (match) => this.decide(event, config, match)));
    span.setAttribute(SpanAttr.notifications, plan.length);
    let sent = 0;
    const rejected: Rejection[] = [];
    const failed: string[] = [];
    const [namespace = '', name = ''] = event.subject.split('/');
    for (const p of plan) {
      if (await this.outbox.sent(p.id)) continue;
      const service = config.services.get(p.service);
      const type = service?.type ?? 'unknown';
      // The service's name and type, never its URL, recipient or settings.
      const attributes = {
        [SpanAttr.trigger]: p.trigger,
        [SpanAttr.service]: p.service,
        [SpanAttr.serviceType]: type,
        [SpanAttr.notification]: p.id,
      };
      await inSpan('notifier.deliver', { attributes }, async (delivery) => {
        const reject = async (reason: string) => {
          await this.outbox.markSent(p.id, `rejected: ${reason}`);
          metrics.notifications.inc({
            service_type: type,
            trigger: p.trigger,
            outcome: 'rejected',
          });
          rejected.push({ notification: p, reason });
          delivery.setAttribute(SpanAttr.result, 'rejected');
          failSpan(delivery, reason);
        };
        if (p.error || !p.rendered) return reject(p.error ?? 'nothing rendered');
        if (!service) return reject(`service ${JSON.stringify(p.service)} is not configured`);
        const end = metrics.notificationSeconds.startTimer({ service_type: type });
        try {
          await SENDERS[service.type]({
            id: p.id,
            trigger: p.trigger,
            app: { namespace, name },
            serviceName: p.service,
            recipient: p.recipient,
            rendered: p.rendered,
            settings: resolveSecrets(service.settings, secrets),
            memory: this.outbox.memory,
          });
          await this.outbox.markSent(p.id, 'sent');
          metrics.notifications.inc({ service_type: type, trigger: p.trigger, outcome: 'sent' });
          sent++;
          delivery.setAttribute(SpanAttr.result, 'sent');
          this.logger.info(
            { id: p.id, trigger: p.trigger, service: p.service, app: event.subject },
            'notification sent',
          );
        } catch (err) {
          const message = (err as Error).message;
          if (isPermanent(err)) await reject(message);
          else {
            metrics.notifications.inc({ service_type: type, trigger: p.trigger, outcome: 'retry' });
            failed.push(`${p.trigger} → ${p.service}: ${message}`);
            delivery.setAttribute(SpanAttr.result, 'retry');
            failSpan(delivery, message);
          }
        } finally {
          end();
        }
      });
    }
    return { sent, rejected, failed };
  }

  private async decide(
    event: FlotillaEvent & { name: EventName },
    config: NotifyConfig,
    span: Span,
  ): Promise<PlannedNotification[]> {
    const [namespace = '', name = ''] = event.subject.split('/');
    const key = event.subject;
    const live = await this.sources.app(namespace, name);
    let app: Json;
    if (live) {
      const { status, ...rest } = live;
      const { resources: _resources, ...slimStatus } = (status ?? {}) as Json;
      app = { ...rest, status: slimStatus };
      await this.outbox.rememberApp(key, app);
    } else {
      app = (await this.outbox.lastApp(key)) ?? { metadata: { namespace, name } };
    }
    const spec = (app['spec'] ?? {}) as Json;
    const project = await this.sources.project(String(spec['project'] || 'default'));
    const env = { app: appAsOfEvent(app, event), event, context: config.context };
    const subs = subscriptionsOf(config, app as never, project as never);
    span.setAttributes({
      [SpanAttr.role]: 'notifier',
      [SpanAttr.app]: key,
      [SpanAttr.subscriptions]: subs.length,
    });
    const { candidates, skipped } = judge(config, subs, env);
    for (const s of skipped)
      this.logger.warn(
        { app: key, trigger: s.subscription.trigger, reason: s.reason },
        'subscription skipped',
      );
    const plan: PlannedNotification[] = [];
    for (const c of candidates) {
      if (!c.holds) {
        if (!c.hasOncePer) await this.outbox.clear(key, stateKey(c));
        continue;
      }
      if (!(await this.outbox.fire(key, stateKey(c), event.id, c.hasOncePer))) continue;
      const s = c.subscription;
      const base = {
        id: notificationId(event.id, c),
        trigger: s.trigger,
        service: s.service,
        recipient: s.recipient,
      };
      const service = config.services.get(s.service);
      if (!service) {
        plan.push({ ...base, error: `service ${JSON.stringify(s.service)} is not configured` });
        continue;
      }
      try {
        const rendered = renderNotification(config, c.templates, service, {
          ...env,
          recipient: s.recipient,
        });
        plan.push({ ...base, rendered });
      } catch (err) {
        plan.push({ ...base, error: (err as Error).message });
      }
    }
    span.setAttribute(SpanAttr.notifications, plan.length);
    return this.outbox.savePlan(event.id, plan);
  }
}
