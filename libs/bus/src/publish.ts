import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import {
  encode,
  subjectOfEvent,
  workSubject,
  type Command,
  type EventName,
  type FlotillaEvent,
  type AppRef,
} from '@flotilla/contracts';
import { activeTraceparent } from '@flotilla/runtime';
import { isTraceparent, traceparent } from './trace.js';

/** Options of one publish. */
export interface PublishOptions {
  /** `Nats-Msg-Id`: a repeat within the duplicate window is dropped by the server. */
  readonly msgId?: string;
  /**
   * W3C trace context to send as it is (a message carried on). Absent: the
   * span active now when tracing is on, else a new trace.
   */
  readonly traceparent?: string;
}

/** Typed publishing of commands and events. */
export interface BusPublisher {
  command(cmd: Command, options?: PublishOptions): Promise<PubAck>;
  event<N extends EventName>(
    name: N,
    app: AppRef,
    event: FlotillaEvent<N>,
    options?: PublishOptions,
  ): Promise<PubAck>;
  /** Publishes raw bytes on any subject (dead letters, tests). */
  raw(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PubAck>;
}

/** Creates a publisher on a connection. */
export function createPublisher(
  nc: NatsConnection,
  js: JetStreamClient = jetstream(nc),
): BusPublisher {
  const raw = (subject: string, data: Uint8Array, options: PublishOptions = {}) => {
    const h = natsHeaders();
    const given = options.traceparent;
    h.set(
      'traceparent',
      given && isTraceparent(given) ? given : (activeTraceparent() ?? traceparent()),
    );
    return js.publish(subject, data, {
      headers: h,
      ...(options.msgId ? { msgID: options.msgId } : {}),
    });
  };
  return {
    raw,
    command: (cmd, options) => raw(workSubject(cmd.kind, cmd.app), encode(cmd), options),
    event: (name, app, event, options) =>
      raw(subjectOfEvent(name, app), encode(event), { msgId: event.id, ...options }),
  };
}
