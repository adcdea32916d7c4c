// The server-side apply field managers Flotilla writes as. `metadata.managedFields`
// shows who wrote what, so each writer keeps one name, defined here only.

/** Objects Flotilla applies to destination clusters: resources, hooks and their dry runs. */
export const RESOURCE_FIELD_MANAGER = 'flotilla';

/** Field manager of the differ on Application status: comparison results. */
export const DIFFER_FIELD_MANAGER = 'flotilla-differ';

/** Field manager of the applier on Application status: operations and their history. */
export const APPLIER_FIELD_MANAGER = 'flotilla-applier';

/** Flotilla's own CustomResourceDefinitions. */
export const CRD_FIELD_MANAGER = 'flotilla-crds';
