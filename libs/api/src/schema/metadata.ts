import { Type, type Static } from '@sinclair/typebox';
import { opt, str, stringMap, strings } from './build.js';

/**
 * The parts of `metadata` Flotilla reads. Other fields (uid,
 * resourceVersion, managedFields...) are allowed and left to the apiserver.
 */
export const ObjectMeta = Type.Object(
  {
    name: opt(str('Name, unique in the namespace.')),
    generateName: opt(str('Prefix for a generated name, when name is empty.')),
    namespace: opt(str('Namespace of the object.')),
    labels: opt(stringMap('Labels.')),
    annotations: opt(stringMap('Annotations.')),
    finalizers: opt(strings('Finalizers.')),
  },
  {
    description:
      'Standard object metadata. https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    additionalProperties: true,
  },
);
/** Object metadata as Flotilla reads it. */
export type ObjectMeta = Static<typeof ObjectMeta> & Record<string, unknown>;
