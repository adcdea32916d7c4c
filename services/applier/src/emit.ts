// The applier's CloudEvents about one app. Events tell; they never decide, so
// a failed publish is logged and the operation goes on.
import type { BusPublisher } from '@flotilla/bus';
import { createEvent, type AppRef, type EventData, type EventName } from '@flotilla/contracts';
import type { Logger } from '@flotilla/runtime';

const SOURCE = '/flotilla/applier';

/** A publisher of `ref`'s events; `id` makes a repeated event one (Nats-Msg-Id). */
export function appEvents(
  deps: { readonly bus: BusPublisher; readonly logger: Logger },
  ref: AppRef,
) {
  return async <N extends EventName>(name: N, data: EventData<N>, id?: string): Promise<void> => {
    await deps.bus
      .event(name, ref, createEvent(name, ref, data, { source: SOURCE, ...(id ? { id } : {}) }))
      .catch((err: Error) => deps.logger.warn({ err: err.message, name }, 'event not published'));
  };
}
