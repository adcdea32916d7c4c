import { describe, expect, it } from 'vitest';
import type { DifferStatus } from '@flotilla/api';
import { statusDigest } from '../src/status.js';

const status: DifferStatus = {
  sync: { status: 'Synced', revision: 'a'.repeat(40) },
  health: { status: 'Healthy', lastTransitionTime: '2026-01-01T00:00:00Z' },
  resources: [{ group: '', kind: 'ConfigMap', namespace: 'd', name: 'c', status: 'Synced' }],
  conditions: [
    { type: 'ComparisonError', message: 'x', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ],
  reconciledAt: '2026-01-01T00:00:00Z',
};

describe('the status digest', () => {
  it('is the same for the status as the apiserver returns it (sorted keys, new timestamps)', () => {
    const readBack = JSON.parse(
      JSON.stringify({
        conditions: [
          { lastTransitionTime: '2026-02-02T00:00:00Z', message: 'x', type: 'ComparisonError' },
        ],
        health: { lastTransitionTime: '2026-01-01T00:00:00Z', status: 'Healthy' },
        reconciledAt: '2026-02-02T00:00:00Z',
        resources: [{ group: '', kind: 'ConfigMap', name: 'c', namespace: 'd', status: 'Synced' }],
        sync: { revision: 'a'.repeat(40), status: 'Synced' },
      }),
    ) as DifferStatus;
    expect(statusDigest(readBack)).toBe(statusDigest(status));
  });

  it('changes with anything but the timestamps', () => {
    expect(
      statusDigest({ ...status, sync: { status: 'OutOfSync', revision: 'a'.repeat(40) } }),
    ).not.toBe(statusDigest(status));
    expect(
      statusDigest({ ...status, conditions: [{ type: 'ComparisonError', message: 'y' }] }),
    ).not.toBe(statusDigest(status));
  });
});
