import type { Static } from '@sinclair/typebox';
import { hasText, withRules } from '../rules.js';
import { bool, obj, opt, str } from './build.js';

/** A name/value pair shown with an app or an operation. */
export const Info = obj(
  'A piece of information shown with the app: a URL, an email address or text.',
  {
    name: str('Title of the item.'),
    value: str('Content of the item.'),
  },
);
/** A name/value pair shown with an app or an operation. */
export type Info = Static<typeof Info>;

/** The cluster and namespace an Application deploys to. */
export const ApplicationDestination = obj('The cluster and namespace the app deploys to.', {
  server: opt(
    str(
      'API server URL of the target cluster; https://kubernetes.default.svc is the cluster Flotilla runs in. Set server or name, not both.',
    ),
  ),
  name: opt(
    str('Name of the target cluster, an alternative to server. Set server or name, not both.'),
  ),
  namespace: opt(
    str('Namespace for namespaced resources that do not set metadata.namespace themselves.'),
  ),
});
/** The cluster and namespace an Application deploys to. */
export type ApplicationDestination = Static<typeof ApplicationDestination>;

/** {@link ApplicationDestination} with the rule users' input must meet. */
export const ApplicationDestinationInput = withRules(ApplicationDestination, [
  {
    rule: "(has(self.server) && self.server != '') != (has(self.name) && self.name != '')",
    message: 'destination must set either server or name, not both',
    holds: (d) => hasText(d, 'server') !== hasText(d, 'name'),
  },
]);

/** Who started an operation. */
export const OperationInitiator = obj('Who started the operation.', {
  username: opt(str('User who asked for the operation.')),
  automated: opt(bool('True when automated sync started the operation.')),
});
/** Who started an operation. */
export type OperationInitiator = Static<typeof OperationInitiator>;
