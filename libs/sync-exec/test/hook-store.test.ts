// Where the hand-over of an operation's hooks lives; the store itself runs
// against Redis in hook-store.int.test.ts.
import { describe, expect, it } from 'vitest';
import { HOOK_STORE_PREFIX, hookStoreKeys } from '../src/index.js';

describe('hookStoreKeys', () => {
  it('keeps specs and verdicts of one operation under its id', () => {
    expect(hookStoreKeys('flotilla/web/2026-12-01T10:00:00Z')).toEqual({
      specs: 'flotilla:hooks:flotilla/web/2026-12-01T10:00:00Z:specs',
      verdicts: 'flotilla:hooks:flotilla/web/2026-12-01T10:00:00Z:verdicts',
    });
    expect(HOOK_STORE_PREFIX).toBe('flotilla:hooks:');
  });

  it('keeps operations apart, and a custom prefix apart from the default', () => {
    const a = hookStoreKeys('op-a');
    const b = hookStoreKeys('op-b');
    const custom = hookStoreKeys('op-a', 'test:hooks:');
    const all = [a.specs, a.verdicts, b.specs, b.verdicts, custom.specs, custom.verdicts];
    expect(new Set(all).size).toBe(all.length);
    expect(custom.specs.startsWith('test:hooks:')).toBe(true);
  });
});
