import { Type, type Static } from '@sinclair/typebox';
import { API_VERSION, APPLICATION } from '../group.js';
import { opt } from './build.js';
import { ApplicationSpec } from './application-spec.js';
import { ApplicationStatus } from './application-status.js';
import { ObjectMeta } from './metadata.js';
import { Operation } from './operation.js';

/** An Application: sources to deploy, a destination, and how to keep them in sync. */
export const Application = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION, { description: `Always ${API_VERSION}.` }),
    kind: Type.Literal(APPLICATION.kind, { description: `Always ${APPLICATION.kind}.` }),
    metadata: ObjectMeta,
    spec: ApplicationSpec,
    status: opt(ApplicationStatus),
    operation: opt(Operation),
  },
  {
    description:
      'An Application deploys manifests from Git or a Helm repository (spec.source or spec.sources) to a cluster and namespace (spec.destination) and keeps them in sync. Field for field compatible with Argo CD’s argoproj.io/v1alpha1 Application.',
    additionalProperties: false,
  },
);
/** An Application: sources to deploy, a destination, and how to keep them in sync. */
export type Application = Static<typeof Application>;
