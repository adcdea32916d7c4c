// The resource label of apiserver request metrics: bounded, names left out.
import { describe, expect, it } from 'vitest';
import { requestResource } from '../src/index.js';

describe('requestResource', () => {
  it.each([
    ['/apis/flotilla.dev/v1alpha1/namespaces/ns/applications/app-1/status', 'applications/status'],
    ['/apis/flotilla.dev/v1alpha1/namespaces/ns/applications/app-1', 'applications'],
    ['/apis/flotilla.dev/v1alpha1/namespaces/ns/applications', 'applications'],
    ['/api/v1/namespaces/ns/configmaps/cm?dryRun=All', 'configmaps'],
    ['/api/v1/namespaces/ns', 'namespaces'],
    ['/api/v1/namespaces', 'namespaces'],
    ['/api/v1/nodes/node-1/status', 'nodes/status'],
    ['/apis/apps/v1/deployments', 'deployments'],
    ['/apis', 'discovery'],
    ['/api/v1', 'discovery'],
    ['/version', 'discovery'],
  ])('%s → %s', (path, resource) => {
    expect(requestResource(path)).toBe(resource);
  });
});
