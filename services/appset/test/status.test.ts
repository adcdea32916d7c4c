import { describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { statusFor } from '../src/status.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';
const app = {
  status: { health: { status: 'Healthy' }, sync: { status: 'Synced' } },
} as Application;

describe('an ApplicationSet’s status', () => {
  it('says everything is generated and lists the owned Applications with health and sync', () => {
    const s = statusFor(
      { errors: [], owned: ['a', 'b'] },
      undefined,
      new Map([['a', app]]),
      'ns',
      T0,
    );
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['ErrorOccurred', 'False', 'ApplicationSetUpToDate'],
      ['ParametersGenerated', 'True', 'ParametersGenerated'],
      ['ResourcesUpToDate', 'True', 'ApplicationSetUpToDate'],
    ]);
    expect(s.resources).toEqual([
      { name: 'a', namespace: 'ns', health: { status: 'Healthy' }, status: 'Synced' },
      { name: 'b', namespace: 'ns' },
    ]);
  });

  it('reports a generator failure on every condition and keeps transition times that did not change', () => {
    const ok = statusFor({ errors: [], owned: ['a'] }, undefined, new Map(), 'ns', T0);
    const failed = statusFor(
      {
        generationError: { reason: 'ApplicationParamsGenerationError', message: 'repo down' },
        errors: [],
        owned: ['a'],
      },
      ok,
      new Map(),
      'ns',
      T1,
    );
    expect(failed.conditions).toEqual([
      {
        type: 'ErrorOccurred',
        status: 'True',
        reason: 'ApplicationParamsGenerationError',
        message: 'repo down',
        lastTransitionTime: T1,
      },
      {
        type: 'ParametersGenerated',
        status: 'False',
        reason: 'ApplicationParamsGenerationError',
        message: 'repo down',
        lastTransitionTime: T1,
      },
      {
        type: 'ResourcesUpToDate',
        status: 'False',
        reason: 'ApplicationParamsGenerationError',
        message: 'the last generated Applications are kept until the generators work again',
        lastTransitionTime: T1,
      },
    ]);
    expect(failed.resources?.map((r) => r.name)).toEqual(['a']);
    const again = statusFor({ errors: [], owned: ['a'] }, ok, new Map(), 'ns', T1);
    expect(again.conditions?.every((c) => c.lastTransitionTime === T0)).toBe(true);
  });

  it('joins render and collision errors into one message, reason of the first', () => {
    const s = statusFor(
      {
        errors: [
          { reason: 'ApplicationNameCollisionError', message: 'x exists' },
          { reason: 'ApplicationValidationError', message: 'y is invalid' },
        ],
        owned: [],
      },
      undefined,
      new Map(),
      'ns',
      T0,
    );
    expect(s.conditions?.[0]).toMatchObject({
      status: 'True',
      reason: 'ApplicationNameCollisionError',
      message: 'x exists; y is invalid',
    });
    expect(s.conditions?.[1]).toMatchObject({ type: 'ParametersGenerated', status: 'True' });
  });
});
