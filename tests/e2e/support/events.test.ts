import { describe, expect, it } from 'vitest';
import { operationOverlaps, type StoredEvent } from './events.js';

let seq = 0;
const ev = (app: string, action: string, operationId: string): StoredEvent => ({
  subject: `flotilla.events.ns.${app}.operation.${action}`,
  seq: ++seq,
  event: { subject: `ns/${app}`, data: { operationId } },
});

describe('operationOverlaps', () => {
  it('accepts operations of one app one after the other, and of other apps in between', () => {
    const events = [
      ev('a', 'started', 'op-a-1'),
      ev('b', 'started', 'op-b-1'),
      ev('a', 'wave-completed', 'op-a-1'),
      ev('a', 'succeeded', 'op-a-1'),
      ev('a', 'started', 'op-a-2'),
      ev('b', 'failed', 'op-b-1'),
      ev('a', 'succeeded', 'op-a-2'),
    ];
    expect(operationOverlaps(events)).toEqual([]);
  });

  it('names an operation that starts while another of the same app runs', () => {
    const events = [
      ev('a', 'started', 'op-a-1'),
      ev('a', 'started', 'op-a-2'),
      ev('a', 'succeeded', 'op-a-2'),
    ];
    expect(operationOverlaps(events)).toEqual([
      'ns/a: op-a-2 started while op-a-1 was still running',
    ]);
  });

  it('names an operation that ends twice, or never', () => {
    const events = [
      ev('a', 'started', 'op-a-1'),
      ev('a', 'succeeded', 'op-a-1'),
      ev('a', 'succeeded', 'op-a-1'),
      ev('b', 'started', 'op-b-1'),
    ];
    expect(operationOverlaps(events)).toEqual([
      'ns/a: op-a-1 ended twice',
      'ns/a: op-a-1 ended without having started',
      'ns/b: op-b-1 started and never ended',
    ]);
  });
});
