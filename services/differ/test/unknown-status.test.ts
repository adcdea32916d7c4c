// The status written when no comparison could be made keeps what was known.
import { describe, expect, it } from 'vitest';
import type { ApplicationStatus } from '@flotilla/api';
import { unknownStatus } from '../src/unknown-status.js';

const now = '2026-01-02T03:04:05Z';
const previous: ApplicationStatus = {
  sync: { status: 'Synced', revision: 'a'.repeat(40) },
  health: { status: 'Degraded', lastTransitionTime: '2026-01-01T00:00:00Z' },
  resources: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'd', name: 'c' }],
  conditions: [
    { type: 'ComparisonError', message: 'cluster x is unreachable', lastTransitionTime: 'then' },
  ],
};

describe('unknownStatus', () => {
  it('says sync Unknown and why, keeping health, resources and an unchanged condition time', () => {
    expect(
      unknownStatus({ previous, now, revision: 'b'.repeat(40), error: 'cluster x is unreachable' }),
    ).toEqual({
      sync: { status: 'Unknown', revision: 'b'.repeat(40) },
      health: previous.health,
      resources: previous.resources,
      conditions: [
        {
          type: 'ComparisonError',
          message: 'cluster x is unreachable',
          lastTransitionTime: 'then',
        },
      ],
      reconciledAt: now,
    });
  });

  it('starts from Unknown health and no resources, and adds no condition without an error', () => {
    expect(unknownStatus({ previous: undefined, now })).toEqual({
      sync: { status: 'Unknown' },
      health: { status: 'Unknown' },
      resources: [],
      conditions: [],
      reconciledAt: now,
    });
  });
});
