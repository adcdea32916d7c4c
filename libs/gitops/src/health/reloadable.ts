// An assessor whose options change while services run: a user edits their
// health customizations and the next assessment uses them, with no restart.
import { createHealthAssessor, type HealthAssessor } from './assessor.js';
import type { HealthOptions } from './options.js';

/** A {@link HealthAssessor} whose options can be replaced; each assessment uses the options current when it starts. */
export interface ReloadableHealthAssessor extends HealthAssessor {
  /**
   * Replaces the options. Throws `HealthOptionsError` and keeps the current
   * options when the new ones are invalid. The previous assessor is closed once
   * the assessments it was running have finished.
   */
  reload(options: HealthOptions): void;
}

/** A reloadable assessor, starting with `options`; throws `HealthOptionsError`. */
export function createReloadableHealthAssessor(
  options: HealthOptions = {},
): ReloadableHealthAssessor {
  let current = createHealthAssessor(options);
  const running = new Map<HealthAssessor, number>();
  const retired = new Set<HealthAssessor>();
  const closing: Promise<void>[] = [];

  const retire = (a: HealthAssessor) => {
    if (running.has(a)) retired.add(a);
    else closing.push(a.close());
  };
  const release = (a: HealthAssessor) => {
    const left = (running.get(a) ?? 1) - 1;
    if (left > 0) return void running.set(a, left);
    running.delete(a);
    if (retired.delete(a)) closing.push(a.close());
  };

  const reloadable: ReloadableHealthAssessor = {
    async assess(obj) {
      const a = current;
      running.set(a, (running.get(a) ?? 0) + 1);
      try {
        return await a.assess(obj);
      } finally {
        release(a);
      }
    },
    checkFor: (gk) => current.checkFor(gk),
    missing: (gk) => current.missing(gk),
    reload(next) {
      const fresh = createHealthAssessor(next);
      const old = current;
      current = fresh;
      retire(old);
    },
    async close() {
      for (const a of retired) closing.push(a.close());
      retired.clear();
      closing.push(current.close());
      await Promise.all(closing);
    },
    [Symbol.asyncDispose]: () => reloadable.close(),
  };
  return reloadable;
}
