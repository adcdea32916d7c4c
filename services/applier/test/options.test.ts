import { describe, expect, it } from 'vitest';
import { compileApplierOptions } from '../src/options.js';

describe('applier options', () => {
  it('sizes sync concurrency from the cores unless set', () => {
    expect(compileApplierOptions({}, 2).concurrency).toBe(64);
    expect(compileApplierOptions({}, 4).concurrency).toBe(128);
    expect(compileApplierOptions({ FLOTILLA_SYNC_CONCURRENCY: '5' }, 4).concurrency).toBe(5);
    expect(() => compileApplierOptions({ FLOTILLA_SYNC_CONCURRENCY: '0' })).toThrow(
      'FLOTILLA_SYNC_CONCURRENCY',
    );
  });

  it('waits 2 s for a busy lease unless set; 0 sends the command back at once', () => {
    expect(compileApplierOptions({}).leaseBusyWaitMs).toBe(2000);
    expect(compileApplierOptions({ FLOTILLA_SYNC_LEASE_WAIT_MS: '0' }).leaseBusyWaitMs).toBe(0);
    expect(() => compileApplierOptions({ FLOTILLA_SYNC_LEASE_WAIT_MS: '-1' })).toThrow(
      'FLOTILLA_SYNC_LEASE_WAIT_MS',
    );
  });

  it('holds a sync for its cluster 600 s unless set; 0 ends the attempt at once', () => {
    expect(compileApplierOptions({}).clusterWaitMs).toBe(600_000);
    expect(compileApplierOptions({ FLOTILLA_SYNC_CLUSTER_WAIT_SECONDS: '0' }).clusterWaitMs).toBe(
      0,
    );
    expect(() => compileApplierOptions({ FLOTILLA_SYNC_CLUSTER_WAIT_SECONDS: '-1' })).toThrow(
      'FLOTILLA_SYNC_CLUSTER_WAIT_SECONDS',
    );
  });
});
