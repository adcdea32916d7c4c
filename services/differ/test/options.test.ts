import { describe, expect, it } from 'vitest';
import { compileDifferOptions } from '../src/options.js';

describe('differ options', () => {
  it('has defaults, and the periodic resync is configurable', () => {
    expect(compileDifferOptions({}, 2)).toEqual({
      resyncMs: 180_000,
      concurrency: 64,
      driftDebounceMs: 50,
      clusterReportMs: 30_000,
    });
    expect(compileDifferOptions({}, 8).concurrency).toBe(256);
    expect(compileDifferOptions({ FLOTILLA_DIFF_CONCURRENCY: '3' }, 8).concurrency).toBe(3);
    expect(compileDifferOptions({ FLOTILLA_RESYNC_SECONDS: '30' }).resyncMs).toBe(30_000);
    expect(compileDifferOptions({ FLOTILLA_CLUSTER_REPORT_SECONDS: '1' }).clusterReportMs).toBe(
      1_000,
    );
  });

  it('refuses values that make no sense, naming the variable', () => {
    expect(() => compileDifferOptions({ FLOTILLA_RESYNC_SECONDS: '0' })).toThrow(
      'FLOTILLA_RESYNC_SECONDS',
    );
    expect(() => compileDifferOptions({ FLOTILLA_RESYNC_SECONDS: 'often' })).toThrow(
      'FLOTILLA_RESYNC_SECONDS',
    );
    expect(() => compileDifferOptions({ FLOTILLA_DIFF_CONCURRENCY: '0' })).toThrow(
      'FLOTILLA_DIFF_CONCURRENCY',
    );
    expect(() => compileDifferOptions({ FLOTILLA_DRIFT_DEBOUNCE_MS: 'soon' })).toThrow(
      'FLOTILLA_DRIFT_DEBOUNCE_MS',
    );
    expect(() => compileDifferOptions({ FLOTILLA_CLUSTER_REPORT_SECONDS: '0' })).toThrow(
      'FLOTILLA_CLUSTER_REPORT_SECONDS',
    );
  });
});
