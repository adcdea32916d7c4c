// The sync wave of an object: `sync-wave`, else Helm's hook weight, else 0.
import { dualAnnotation, helmWeight, parseInteger, type KubeObject } from '../resource/index.js';

/** A wave and, when the annotation could not be read, why. */
export interface WaveReading {
  readonly wave: number;
  readonly warning?: string;
}

/**
 * Reads the wave of `obj`. An unreadable `sync-wave` falls back to
 * `helm.sh/hook-weight` (as gitops-engine does) and is reported.
 */
export function readSyncWave(obj: KubeObject): WaveReading {
  const text = dualAnnotation(obj, 'SyncWave');
  const wave = parseInteger(text);
  if (wave !== undefined) return { wave };
  const fallback = helmWeight(obj) ?? 0;
  if (text === undefined) return { wave: fallback };
  return { wave: fallback, warning: `sync-wave "${text}" is not an integer; using ${fallback}` };
}

/** The wave of `obj` (an integer, negative allowed, default 0). */
export function syncWaveOf(obj: KubeObject): number {
  return readSyncWave(obj).wave;
}
