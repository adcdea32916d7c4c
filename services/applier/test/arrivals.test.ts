// An operation is announced when it arrives, not on every status write after.
import { describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { OperationArrivals } from '../src/arrivals.js';

const ref = { namespace: 'ns', name: 'app' };
const op = { sync: { revision: 'abc' }, initiatedBy: { automated: true } };
const app = (generation: number, operation?: unknown, phase?: string): Application =>
  ({
    metadata: { ...ref, generation },
    ...(operation ? { operation } : {}),
    ...(phase ? { status: { operationState: { phase, operation } } } : {}),
  }) as unknown as Application;

describe('OperationArrivals', () => {
  it('announces an operation once, however many status writes follow', () => {
    const a = new OperationArrivals();
    expect(a.arrived(ref, app(1), true)).toBe(false);
    expect(a.arrived(ref, app(2, op), false)).toBe(true);
    expect(a.arrived(ref, app(2, op, 'Running'), false)).toBe(false);
    expect(a.arrived(ref, app(2, op, 'Succeeded'), false)).toBe(false);
  });

  it('announces the same operation again once it was cleared and written anew', () => {
    const a = new OperationArrivals();
    expect(a.arrived(ref, app(2, op), false)).toBe(true);
    expect(a.arrived(ref, app(3), false)).toBe(false);
    expect(a.arrived(ref, app(4, op), false)).toBe(true);
  });

  it('announces a rewrite at a new generation even when no update in between showed it cleared', () => {
    const a = new OperationArrivals();
    expect(a.arrived(ref, app(2, op), false)).toBe(true);
    expect(a.arrived(ref, app(4, op, 'Succeeded'), false)).toBe(true);
  });

  it('announces everything on first sight, and again after forget', () => {
    const a = new OperationArrivals();
    expect(a.arrived(ref, app(2, op), true)).toBe(true);
    expect(a.arrived(ref, app(2, op), true)).toBe(true);
    a.forget(ref);
    expect(a.arrived(ref, app(2, op), false)).toBe(true);
  });
});
