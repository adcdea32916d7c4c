// Health customizations as Argo CD users write them in argocd-cm: one
// `resource.customizations.health.<group_Kind>` key per kind, or the older
// `resource.customizations` YAML block with `health.lua` per `group/Kind`.
// Pure: the services read the ConfigMaps and pass their data in.
import { parse } from 'yaml';
import { HealthOptionsError } from './errors.js';
import { parseScriptKey } from './lua/loader.js';

/** The ConfigMaps health customizations are read from, in the control namespace; the first wins. */
export const HEALTH_CONFIG_MAPS: readonly string[] = ['flotilla-cm', 'argocd-cm'];

const HEALTH_PREFIX = 'resource.customizations.health.';
const OPEN_LIBS_PREFIX = 'resource.customizations.useOpenLibs.';
const LEGACY_KEY = 'resource.customizations';

/** A ConfigMap's name and data, as read from the cluster. */
export interface ConfigMapData {
  readonly name: string;
  readonly data?: Readonly<Record<string, string>>;
}

/** Health scripts and `useOpenLibs` flags by customization key (`group/Kind`, `Kind` for core). */
export interface HealthCustomizations {
  /** For `HealthOptions.scripts`. */
  readonly scripts: Readonly<Record<string, string>>;
  /** Keys whose scripts asked for `useOpenLibs`; every script gets the same sandbox (docs/health.md). */
  readonly openLibs: readonly string[];
}

/** `group_Kind` (the form a ConfigMap key can hold) as `group/Kind`, as Argo CD converts it. */
function overrideKey(where: string, groupKind: string): string {
  const parts = groupKind.split('_');
  const key = parts.length === 2 ? `${parts[0]}/${parts[1]}` : parts.length === 1 ? groupKind : '';
  if (!key || !parseScriptKey(key)) {
    throw new HealthOptionsError(
      `${where}: "${groupKind}" is not a group_Kind (or Kind for the core group)`,
      where,
    );
  }
  return key;
}

function boolean(where: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new HealthOptionsError(`${where} must be true or false, not ${String(value)}`, where);
}

/** Scripts and flags of the `resource.customizations` YAML block. */
function legacyBlock(where: string, text: string, scripts: Map<string, string>, open: Set<string>) {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new HealthOptionsError(`${where} is not valid YAML: ${(err as Error).message}`, where, {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new HealthOptionsError(`${where} must map group/Kind to customizations`, where);
  }
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const at = `${where}["${key}"]`;
    if (!parseScriptKey(key)) {
      throw new HealthOptionsError(`${at}: a key is group/Kind, or Kind for the core group`, at);
    }
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    const lua = entry['health.lua'];
    if (lua === undefined) continue;
    if (typeof lua !== 'string') {
      throw new HealthOptionsError(`${at}["health.lua"] must be Lua source text`, at);
    }
    scripts.set(key, lua);
    const openLibs = entry['health.lua.useOpenLibs'];
    if (openLibs !== undefined && boolean(`${at}["health.lua.useOpenLibs"]`, openLibs)) {
      open.add(key);
    }
  }
}

/** The customizations of one ConfigMap; the per-kind keys win over the YAML block. */
function fromOne(map: ConfigMapData): { scripts: Map<string, string>; open: Set<string> } {
  const scripts = new Map<string, string>();
  const open = new Set<string>();
  const data = map.data ?? {};
  const block = data[LEGACY_KEY];
  if (block !== undefined) legacyBlock(`${map.name}: ${LEGACY_KEY}`, block, scripts, open);
  for (const [name, value] of Object.entries(data)) {
    const where = `${map.name}: ${name}`;
    if (name.startsWith(HEALTH_PREFIX)) {
      scripts.set(overrideKey(where, name.slice(HEALTH_PREFIX.length)), value);
    } else if (name.startsWith(OPEN_LIBS_PREFIX)) {
      const key = overrideKey(where, name.slice(OPEN_LIBS_PREFIX.length));
      if (boolean(where, value)) open.add(key);
      else open.delete(key);
    }
  }
  return { scripts, open };
}

/**
 * The health customizations of ConfigMaps, the first map winning for a key
 * (pass them in {@link HEALTH_CONFIG_MAPS} order). Throws `HealthOptionsError`
 * naming the ConfigMap and key at fault.
 */
export function healthCustomizationsFrom(maps: readonly ConfigMapData[]): HealthCustomizations {
  const scripts: Record<string, string> = {};
  const openLibs = new Set<string>();
  for (const map of [...maps].reverse()) {
    const one = fromOne(map);
    for (const [key, source] of one.scripts) {
      scripts[key] = source;
      if (one.open.has(key)) openLibs.add(key);
      else openLibs.delete(key);
    }
  }
  return { scripts, openLibs: [...openLibs].sort() };
}
