import semver from 'semver';
import { RenderError } from '../errors.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True when a targetRevision names an OCI manifest by digest. */
export function isDigest(revision: string): boolean {
  return DIGEST.test(revision);
}

/**
 * True when an OCI artifact's targetRevision is a semver constraint picked
 * from the tag list (`1.x`, `1.2.*`, `^1`, `>=1.0 <2`, empty or `*`), not a
 * tag (`latest`, `1.0.0`, `stable`) or a digest.
 */
export function isTagConstraint(revision: string): boolean {
  const r = revision.trim();
  if (r === '' || r === '*') return true;
  if (isDigest(r) || semver.valid(r) !== null) return false;
  return /[*^~<>=|\s]/.test(r) || /(^|\.)[xX](\.|$)/.test(r)
    ? semver.validRange(r) !== null
    : false;
}

/** True when a targetRevision names one version exactly (`1.2.3`, `v1.2.3`): never re-resolved. */
export function isExactVersion(revision: string): boolean {
  return semver.valid(revision.trim()) !== null;
}

/**
 * Picks the version a targetRevision asks for, as Helm and Argo CD do: an
 * exact version when the list has it, else the highest version matching it
 * as a semver constraint (`1.2.*`, `>=1.0 <2.0`, `^1`); empty or `*` means
 * the highest stable version. Pre-releases match only a constraint that
 * names one. Throws `ChartNotFound` naming what there is.
 */
export function pickVersion(
  available: readonly string[],
  wanted: string | undefined,
  what: string,
): string {
  const want = (wanted ?? '').trim();
  if (want && available.includes(want)) return want;
  // `v1.2.3` and `1.2.3` are one version to Helm.
  const exact = semver.valid(want)
    ? available.find((v) => semver.eq(semver.valid(v) ?? '0.0.0-invalid', want))
    : undefined;
  if (exact) return exact;
  const range = want === '' || want === 'latest' ? '*' : want;
  if (semver.valid(want)) {
    throw new RenderError(
      'ChartNotFound',
      `${what} has no version ${want} (it has ${listed(available)})`,
    );
  }
  if (!semver.validRange(range)) {
    throw new RenderError(
      'ChartNotFound',
      `${what}: targetRevision ${JSON.stringify(want)} is neither a version in the repository nor a semver constraint`,
    );
  }
  const valid = available.filter((v) => semver.valid(v));
  const best = semver.maxSatisfying(valid, range);
  if (!best) {
    throw new RenderError(
      'ChartNotFound',
      `${what} has no version matching ${JSON.stringify(want || '*')} (it has ${listed(available)})`,
    );
  }
  return best;
}

function listed(versions: readonly string[]): string {
  if (versions.length === 0) return 'none';
  const sorted = [...versions].sort((a, b) =>
    semver.valid(a) && semver.valid(b) ? semver.rcompare(a, b) : a < b ? 1 : -1,
  );
  return sorted.length > 10
    ? `${sorted.slice(0, 10).join(', ')} and ${sorted.length - 10} more`
    : sorted.join(', ');
}
