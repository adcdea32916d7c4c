import { describe, expect, it } from 'vitest';
import { applicationPath, applicationStatusPath } from '../src/index.js';

describe('Application paths', () => {
  it('address the collection, one Application and its status', () => {
    expect(applicationPath('flotilla')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications',
    );
    expect(applicationPath('flotilla', 'guestbook')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications/guestbook',
    );
    expect(applicationStatusPath('flotilla', 'guestbook')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications/guestbook/status',
    );
  });

  it('keep a name one path segment: no traversal, query or fragment gets through', () => {
    expect(applicationPath('flotilla', '../../secrets/x')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications/..%2F..%2Fsecrets%2Fx',
    );
    expect(applicationPath('a b', 'web?watch=1#x')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/a%20b/applications/web%3Fwatch%3D1%23x',
    );
    expect(applicationStatusPath('flotilla', 'a/b')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications/a%2Fb/status',
    );
  });
});
