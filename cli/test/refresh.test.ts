// When `app get --refresh` has its answer.
import { describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { refreshAnswered } from '../src/refresh.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const app = (annotations: Record<string, string>, status: Application['status'] = {}) =>
  ({ metadata: { name: 'web', annotations }, status }) as Application;

describe('refreshAnswered', () => {
  it('waits while the refresh annotation is there', () => {
    expect(refreshAnswered(app({ 'flotilla.dev/refresh': 'normal' }))).toBe(false);
    expect(refreshAnswered(app({ 'argocd.argoproj.io/refresh': 'hard' }))).toBe(false);
  });

  it('waits until the status compares the commit the refresh resolved', () => {
    const resolved = { 'flotilla.dev/refreshed-revisions': B };
    expect(refreshAnswered(app(resolved, { sync: { status: 'Synced', revision: A } }))).toBe(false);
    expect(refreshAnswered(app(resolved, { sync: { status: 'OutOfSync', revision: B } }))).toBe(
      true,
    );
  });

  it('compares every source of a multi-source app', () => {
    const resolved = { 'flotilla.dev/refreshed-revisions': `${A},${B}` };
    expect(refreshAnswered(app(resolved, { sync: { status: 'Synced', revisions: [A, A] } }))).toBe(
      false,
    );
    expect(refreshAnswered(app(resolved, { sync: { status: 'Synced', revisions: [A, B] } }))).toBe(
      true,
    );
  });

  it('is answered by an error condition, or when resolving recorded nothing', () => {
    const resolved = { 'flotilla.dev/refreshed-revisions': B };
    const failed = {
      sync: { status: 'Unknown', revision: A },
      conditions: [{ type: 'ComparisonError', message: 'render failed' }],
    } as Application['status'];
    expect(refreshAnswered(app(resolved, failed))).toBe(true);
    expect(refreshAnswered(app({}))).toBe(true);
  });
});
