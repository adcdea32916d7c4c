import type { AppProjectSpec } from '@flotilla/api';

/** The fields of a project the rules read. */
export type ProjectSpec = AppProjectSpec;

/** A project by name, as the rules see it. */
export interface ProjectView {
  readonly name: string;
  readonly spec: ProjectSpec;
}

/** Where an app or one of its objects goes: a cluster by server and/or name, and a namespace. */
export interface ProjectDestination {
  readonly server?: string | undefined;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
}

/** The project field whose rule refused something. */
export const ProjectRule = {
  Project: 'project',
  SourceRepos: 'sourceRepos',
  SourceNamespaces: 'sourceNamespaces',
  Destinations: 'destinations',
  ClusterResourceWhitelist: 'clusterResourceWhitelist',
  ClusterResourceBlacklist: 'clusterResourceBlacklist',
  NamespaceResourceWhitelist: 'namespaceResourceWhitelist',
  NamespaceResourceBlacklist: 'namespaceResourceBlacklist',
  SignatureKeys: 'signatureKeys',
  DestinationServiceAccounts: 'destinationServiceAccounts',
} as const;
/** The project field whose rule refused something. */
export type ProjectRule = (typeof ProjectRule)[keyof typeof ProjectRule];

/** Why a project refuses something: the rule, and a message naming it. */
export interface ProjectDenial {
  readonly project: string;
  readonly rule: ProjectRule;
  readonly message: string;
  /** What was refused: a repository URL, a destination, or an object's key. */
  readonly subject: string;
}
