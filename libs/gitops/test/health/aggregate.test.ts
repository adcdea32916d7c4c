// App health from resource health, and what a hook's health means for the hook.
import { HealthStatusCode as H, OperationPhase } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import {
  HEALTH_ORDER,
  aggregateHealth,
  appHealthContribution,
  assessBuiltinHealth,
  hookPhaseFromHealth,
  isWorseHealth,
  worstHealth,
} from '../../src/health/index.js';
import { fixture } from './fixtures.js';

describe('health order', () => {
  it('runs from Healthy to Unknown as Argo CD orders it', () => {
    expect(HEALTH_ORDER).toEqual([
      H.Healthy,
      H.Suspended,
      H.Progressing,
      H.Missing,
      H.Degraded,
      H.Unknown,
    ]);
    expect(isWorseHealth(H.Healthy, H.Progressing)).toBe(true);
    expect(isWorseHealth(H.Degraded, H.Progressing)).toBe(false);
    expect(worstHealth(H.Missing, H.Suspended)).toBe(H.Missing);
  });
});

describe('aggregateHealth', () => {
  it('is Healthy for an app with nothing to judge', () => {
    expect(aggregateHealth([])).toEqual({ status: H.Healthy });
    expect(aggregateHealth([undefined, undefined])).toEqual({ status: H.Healthy });
  });

  it('takes the worst status, whatever the order', () => {
    const results = [
      { status: H.Healthy },
      { status: H.Degraded, message: 'crash' },
      { status: H.Progressing },
      { status: H.Suspended },
    ];
    expect(aggregateHealth(results)).toEqual({ status: H.Degraded });
    expect(aggregateHealth([...results].reverse())).toEqual({ status: H.Degraded });
  });

  it('counts Missing as worse than Progressing and better than Degraded', () => {
    expect(aggregateHealth([{ status: H.Progressing }, { status: H.Missing }]).status).toBe(
      H.Missing,
    );
    expect(aggregateHealth([{ status: H.Missing }, { status: H.Degraded }]).status).toBe(
      H.Degraded,
    );
  });

  it('skips kinds without a check: a ConfigMap does not hold a Progressing app back or up', () => {
    const deployment = assessBuiltinHealth(fixture('deployment-progressing'));
    const configMap = assessBuiltinHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
    expect(configMap).toBeUndefined();
    expect(aggregateHealth([deployment, configMap])).toEqual({ status: H.Progressing });
  });

  it('lets Unknown win over everything', () => {
    expect(aggregateHealth([{ status: H.Degraded }, { status: H.Unknown }]).status).toBe(H.Unknown);
  });
});

describe('appHealthContribution', () => {
  const deployment = { group: 'apps', kind: 'Deployment' };
  const childApp = { group: 'argoproj.io', kind: 'Application' };

  it('drops a resource annotated argocd.argoproj.io/ignore-healthcheck: "true"', () => {
    const live = { metadata: { annotations: { 'argocd.argoproj.io/ignore-healthcheck': 'true' } } };
    expect(appHealthContribution(deployment, { status: H.Degraded }, live)).toBeUndefined();
    const flotilla = { metadata: { annotations: { 'flotilla.dev/ignore-healthcheck': 'true' } } };
    expect(appHealthContribution(deployment, { status: H.Degraded }, flotilla)).toBeUndefined();
    const other = {
      metadata: { annotations: { 'argocd.argoproj.io/ignore-healthcheck': 'false' } },
    };
    expect(appHealthContribution(deployment, { status: H.Degraded }, other)).toEqual({
      status: H.Degraded,
    });
  });

  it('drops a child Application that is Missing or Unknown, but not one that is Degraded', () => {
    expect(appHealthContribution(childApp, { status: H.Missing })).toBeUndefined();
    expect(appHealthContribution(childApp, { status: H.Unknown })).toBeUndefined();
    expect(
      appHealthContribution({ group: 'flotilla.dev', kind: 'Application' }, { status: H.Unknown }),
    ).toBeUndefined();
    expect(appHealthContribution(childApp, { status: H.Degraded })).toEqual({ status: H.Degraded });
  });

  it('keeps Missing for ordinary resources', () => {
    expect(appHealthContribution(deployment, { status: H.Missing })).toEqual({ status: H.Missing });
  });
});

describe('hookPhaseFromHealth', () => {
  it.each([
    [H.Healthy, OperationPhase.Succeeded],
    [H.Progressing, OperationPhase.Running],
    [H.Suspended, OperationPhase.Running],
    [H.Degraded, OperationPhase.Failed],
    [H.Unknown, OperationPhase.Failed],
  ])('%s → %s, with the health message', (status, phase) => {
    expect(hookPhaseFromHealth({ status, message: 'why' }, 'db-migrate')).toEqual({
      phase,
      message: 'why',
    });
  });

  it('counts a hook of a kind without a check as done once created', () => {
    expect(hookPhaseFromHealth(undefined, 'notify')).toEqual({
      phase: OperationPhase.Succeeded,
      message: 'notify created',
    });
  });

  it('reads a finished hook Job as Succeeded and a failed one as Failed', () => {
    expect(hookPhaseFromHealth(assessBuiltinHealth(fixture('job-succeeded')), 'j').phase).toBe(
      OperationPhase.Succeeded,
    );
    expect(hookPhaseFromHealth(assessBuiltinHealth(fixture('job-failed')), 'j')).toEqual({
      phase: OperationPhase.Failed,
      message: 'Job has reached the specified backoff limit',
    });
  });
});
