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
});
