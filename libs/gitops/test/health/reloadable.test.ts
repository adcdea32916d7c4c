// Replacing health options while assessments run.
import { HealthStatusCode as H } from '@flotilla/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createReloadableHealthAssessor, isHealthOptionsError } from '../../src/health/index.js';

const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
const says = (status: string, message: string) =>
  `return { status = "${status}", message = "${message}" }`;
const lua = { isolation: 'inline' } as const;

describe('createReloadableHealthAssessor', () => {
  const a = createReloadableHealthAssessor({ lua });
  afterAll(() => a.close());

  it('uses the new scripts after a reload, and drops removed ones', async () => {
    expect(await a.assess(widget)).toBeUndefined();
    a.reload({ lua, scripts: { 'example.com/Widget': says('Degraded', 'v1') } });
    expect(await a.assess(widget)).toEqual({ status: H.Degraded, message: 'v1' });
    expect(a.missing({ group: 'example.com', kind: 'Widget' })).toEqual({ status: H.Missing });
    a.reload({ lua, scripts: { 'example.com/Widget': says('Healthy', 'v2') } });
    expect(await a.assess(widget)).toEqual({ status: H.Healthy, message: 'v2' });
    a.reload({ lua });
    expect(await a.assess(widget)).toBeUndefined();
    expect(a.checkFor({ group: 'example.com', kind: 'Widget' })).toBeUndefined();
  });

  it('lets an assessment under way finish with the options it started with', async () => {
    a.reload({ lua, scripts: { 'example.com/Widget': says('Suspended', 'old') } });
    const before = a.assess(widget);
    a.reload({ lua, scripts: { 'example.com/Widget': says('Healthy', 'new') } });
    expect(await before).toEqual({ status: H.Suspended, message: 'old' });
    expect(await a.assess(widget)).toEqual({ status: H.Healthy, message: 'new' });
  });

  it('keeps the current options when the new ones are invalid', async () => {
    a.reload({ lua, scripts: { 'example.com/Widget': says('Healthy', 'kept') } });
    let err: unknown;
    try {
      a.reload({ lua, scripts: { 'not a key!': 'return {}' } });
    } catch (e) {
      err = e;
    }
    expect(isHealthOptionsError(err)).toBe(true);
    expect(await a.assess(widget)).toEqual({ status: H.Healthy, message: 'kept' });
  });
});
