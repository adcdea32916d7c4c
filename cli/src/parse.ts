import { InvalidArgumentError } from 'commander';

/** A positive number of seconds, for `--timeout`. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `90s`, `10m`, `1h30m` or `2d`, in milliseconds. */
export function parseDuration(value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value)
    throw new InvalidArgumentError('use a duration such as 30s, 10m, 1h30m or 2d');
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNITS[unit ?? 's'] ?? 0), 0);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `--since`: a duration back from now (`10m`) or an RFC 3339 time; the start time. */
export function parseSince(value: string): Date {
  if (RFC3339.test(value)) {
    const t = Date.parse(value.replace(' ', 'T'));
    if (Number.isFinite(t)) return new Date(t);
  }
  try {
    return new Date(Date.now() - parseDuration(value));
  } catch {
    throw new InvalidArgumentError(
      'use a duration such as 30s, 10m, 1h30m or 2d, or an RFC 3339 time such as 2026-12-02T09:00:00Z',
    );
  }
}
