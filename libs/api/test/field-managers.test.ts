// Field managers and tracking annotations are wire contracts: objects already in
// clusters carry them, so a renamed one would orphan managed fields or owners.
import { describe, expect, it } from 'vitest';
import {
  APPLIER_FIELD_MANAGER,
  ARGO_TRACKING_ANNOTATION,
  CRD_FIELD_MANAGER,
  DIFFER_FIELD_MANAGER,
  RESOURCE_FIELD_MANAGER,
  TRACKING_ANNOTATION,
  TRACKING_ANNOTATIONS,
} from '../src/index.js';

describe('field managers', () => {
  it('give each writer its own, stable name', () => {
    const managers = [
      RESOURCE_FIELD_MANAGER,
      DIFFER_FIELD_MANAGER,
      APPLIER_FIELD_MANAGER,
      CRD_FIELD_MANAGER,
    ];
    expect(managers).toEqual(['flotilla', 'flotilla-differ', 'flotilla-applier', 'flotilla-crds']);
    expect(new Set(managers).size).toBe(managers.length);
  });
});

describe('tracking annotations', () => {
  it('are Flotilla’s, read before Argo CD’s', () => {
    expect(TRACKING_ANNOTATION).toBe('flotilla.dev/tracking-id');
    expect(ARGO_TRACKING_ANNOTATION).toBe('argocd.argoproj.io/tracking-id');
    expect(TRACKING_ANNOTATIONS).toEqual([TRACKING_ANNOTATION, ARGO_TRACKING_ANNOTATION]);
  });
});
