// URL paths of Applications on the apiserver. Names and namespaces are
// URL-encoded, so a name from a message or a flag is always one path segment
// and can never address another object or smuggle in a query.
import { APPLICATION, APP_PROJECT, GROUP, VERSION } from './group.js';

const e = encodeURIComponent;

/** URL path of the Applications of `namespace`, or of the one named `name`. */
export function applicationPath(namespace: string, name?: string): string {
  const collection = `/apis/${GROUP}/${VERSION}/namespaces/${e(namespace)}/${APPLICATION.plural}`;
  return name === undefined ? collection : `${collection}/${e(name)}`;
}

/** URL path of the Applications of every namespace. */
export function allApplicationsPath(): string {
  return `/apis/${GROUP}/${VERSION}/${APPLICATION.plural}`;
}

/** URL path of an Application's status subresource. */
export function applicationStatusPath(namespace: string, name: string): string {
  return `${applicationPath(namespace, name)}/status`;
}

/** URL path of the AppProjects of `namespace`, or of the one named `name`. */
export function appProjectPath(namespace: string, name?: string): string {
  const collection = `/apis/${GROUP}/${VERSION}/namespaces/${e(namespace)}/${APP_PROJECT.plural}`;
  return name === undefined ? collection : `${collection}/${e(name)}`;
}
