// Waves: reading `sync-wave` (and Helm's weight), and grouping tasks into one
// step per phase and wave.
import { describe, expect, it } from 'vitest';
import { readSyncWave, syncWaveOf } from '../../src/sync/index.js';
import { cm, deploy, job, plan, stepsOf } from './fixtures.js';

const WAVE = 'argocd.argoproj.io/sync-wave';

describe('sync-wave annotation', () => {
  it.each([
    [{}, 0, undefined],
    [{ [WAVE]: '5' }, 5, undefined],
    [{ [WAVE]: '-3' }, -3, undefined],
    [{ [WAVE]: '+2' }, 2, undefined],
    [{ [WAVE]: '007' }, 7, undefined],
    [{ [WAVE]: '1.5' }, 0, 'sync-wave "1.5" is not an integer; using 0'],
    [{ [WAVE]: ' 1' }, 0, 'sync-wave " 1" is not an integer; using 0'],
    [
      { [WAVE]: 'abc', 'helm.sh/hook-weight': '4' },
      4,
      'sync-wave "abc" is not an integer; using 4',
    ],
    [{ 'helm.sh/hook-weight': '-2' }, -2, undefined],
    [{ [WAVE]: '1', 'helm.sh/hook-weight': '9' }, 1, undefined],
    [{ 'flotilla.dev/sync-wave': '7', [WAVE]: '1' }, 7, undefined],
  ])('%j is wave %i', (annotations, wave, warning) => {
    expect(readSyncWave(cm('c', annotations))).toEqual(warning ? { wave, warning } : { wave });
    expect(syncWaveOf(cm('c', annotations))).toBe(wave);
  });
});

describe('steps', () => {
  it('runs lower waves first, whatever the kind', () => {
    const p = plan([
      deploy('web', { [WAVE]: '-1' }),
      cm('late', { [WAVE]: '2' }),
      cm('early', { [WAVE]: '-1' }),
      cm('default'),
    ]);
    expect(stepsOf(p)).toEqual([
      'Sync/-1: ConfigMap/early, Deployment/web',
      'Sync/0: ConfigMap/default',
      'Sync/2: ConfigMap/late',
    ]);
    expect(p.steps.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(p.multiStep).toBe(true);
  });

  it('runs phases before waves: a PreSync hook in wave 5 precedes Sync wave -5', () => {
    const p = plan([
      cm('first', { [WAVE]: '-5' }),
      job('migrate', { 'argocd.argoproj.io/hook': 'PreSync', [WAVE]: '5' }),
    ]);
    expect(stepsOf(p)).toEqual(['PreSync/5: Job/migrate', 'Sync/-5: ConfigMap/first']);
  });

  it('is a single step when everything shares phase and wave', () => {
    const p = plan([cm('a'), deploy('b')]);
    expect(stepsOf(p)).toEqual(['Sync/0: ConfigMap/a, Deployment/b']);
    expect(p.multiStep).toBe(false);
  });

  it('has no steps for nothing to do', () => {
    const p = plan([]);
    expect(p.steps).toEqual([]);
    expect(p.multiStep).toBe(false);
  });

  it('reports an unreadable wave on the plan', () => {
    const p = plan([cm('c', { [WAVE]: 'x' })]);
    expect(p.warnings).toEqual([
      {
        key: { group: '', kind: 'ConfigMap', namespace: 'app', name: 'c' },
        message: 'sync-wave "x" is not an integer; using 0',
      },
    ]);
  });
});
