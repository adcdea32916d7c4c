// apps/StatefulSet, after gitops-engine's health_statefulset.go.
import { HealthStatusCode as H } from '@flotilla/api';
import { num, optNumber, part, record, text } from '../../resource/index.js';
import { health } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

/** Progressing until the spec is observed, pods are ready and the update (or partition) is rolled out. */
export function statefulSetHealth(obj: HealthObject): HealthResult {
  const spec = part(obj, 'spec');
  const status = part(obj, 'status');
  const observed = num(status['observedGeneration']);
  if (observed === 0 || num(part(obj, 'metadata')['generation']) > observed) {
    return health(H.Progressing, 'Waiting for statefulset spec update to be observed...');
  }
  const desired = optNumber(spec['replicas']);
  const ready = num(status['readyReplicas']);
  if (desired !== undefined && ready < desired) {
    return health(H.Progressing, `Waiting for ${desired - ready} pods to be ready...`);
  }
  const strategy = record(spec['updateStrategy']) ?? {};
  const updated = num(status['updatedReplicas']);
  const rollingUpdate = record(strategy['rollingUpdate']);
  if (strategy['type'] === 'RollingUpdate' && rollingUpdate) {
    const partition = optNumber(rollingUpdate['partition']);
    if (desired !== undefined && partition !== undefined && updated < desired - partition) {
      return health(
        H.Progressing,
        `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...`,
      );
    }
    return health(
      H.Healthy,
      `partitioned roll out complete: ${updated} new pods have been updated...`,
    );
  }
  if (strategy['type'] === 'OnDelete') {
    return health(H.Healthy, `statefulset has ${ready} ready pods`);
  }
  const updateRevision = text(status['updateRevision']);
  const currentRevision = text(status['currentRevision']);
  if (updateRevision !== currentRevision) {
    return health(
      H.Progressing,
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    );
  }
  return health(
    H.Healthy,
    `statefulset rolling update complete ${num(status['currentReplicas'])} pods at revision ${currentRevision}...`,
  );
}
