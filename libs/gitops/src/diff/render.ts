// The human-readable diff: unified, over YAML with sorted keys, the way
// `kubectl diff` shows it.
import type { ResourceKey } from '@flotilla/contracts';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { DiffObject } from './types.js';

/** Stable YAML of an object (keys sorted); '' for none. */
export function toYaml(obj: DiffObject | undefined): string {
  if (obj === undefined) return '';
  return stringify(obj, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * A unified diff from `live` to `target`, named after the resource; '' when
 * they render the same. Pass masked objects: the text quotes values.
 */
export function renderDiff(
  key: ResourceKey,
  live: DiffObject | undefined,
  target: DiffObject | undefined,
  contextLines = 3,
): string {
  const before = toYaml(live);
  const after = toYaml(target);
  if (before === after) return '';
  const name = [key.group || 'core', key.kind, key.namespace || '_cluster', key.name].join('/');
  return createTwoFilesPatch(
    `live/${name}`,
    `desired/${name}`,
    before,
    after,
    undefined,
    undefined,
    {
      context: contextLines,
    },
  );
}
