// The app as an event saw it. The notifier reads the Application when it
// handles an event, which can be later than the event; the fields the event
// itself reports (operation phase, sync and health status, deletion) are laid
// over what it read, so a trigger judges the moment of the event, and an
// operation that started and ended before the notifier looked still counts
// as having run.
import type { FlotillaEvent, EventName } from '@flotilla/contracts';

/** A plain JSON object. */
export type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' ? { ...(v as Json) } : {});

/** `app` with the state `event` reports laid over it (a new object; `app` is not changed). */
export function appAsOfEvent(app: Json, event: FlotillaEvent & { name: EventName }): Json {
  const out: Json = { ...app, metadata: obj(app['metadata']), status: obj(app['status']) };
  const status = out['status'] as Json;
  const data = event.data as Json;
  const op = () => {
    const state = obj(status['operationState']);
    const syncResult = obj(state['syncResult']);
    if (typeof data['revision'] === 'string') syncResult['revision'] = data['revision'];
    state['syncResult'] = syncResult;
    status['operationState'] = state;
    return state;
  };
  switch (event.name) {
    case 'operation.started': {
      const state = op();
      if (state['phase'] !== 'Running' && state['phase'] !== undefined) delete state['finishedAt'];
      state['phase'] = 'Running';
      state['startedAt'] ??= event.time;
      break;
    }
    case 'operation.succeeded':
    case 'operation.failed': {
      const state = op();
      const phase = event.name === 'operation.succeeded' ? 'Succeeded' : 'Failed';
      if (state['phase'] !== phase && state['phase'] !== 'Error') {
        state['phase'] = phase;
        state['finishedAt'] = event.time;
      }
      state['message'] = data['message'];
      break;
    }
    case 'app.sync-changed':
      status['sync'] = { ...obj(status['sync']), status: data['to'] };
      break;
    case 'app.health-changed': {
      const health = obj(status['health']);
      if (health['status'] !== data['to']) health['lastTransitionTime'] = event.time;
      health['status'] = data['to'];
      if (data['message'] !== undefined) health['message'] = data['message'];
      status['health'] = health;
      break;
    }
    case 'app.deleting':
    case 'app.deleted': {
      const meta = out['metadata'] as Json;
      meta['deletionTimestamp'] ??= event.time;
      break;
    }
  }
  return out;
}

/** Events that can change what a trigger says; the rest (each applied resource, say) are passed over. */
export const EVALUATED_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'source.changed',
  'render.failed',
  'app.sync-changed',
  'app.health-changed',
  'app.drift-detected',
  'app.deleting',
  'app.deletion-failed',
  'app.deleted',
  'operation.started',
  'operation.succeeded',
  'operation.failed',
  'hook.failed',
]);
