// Go-style durations ("30s", "5m", "1h30m", "1.5h"), as Argo CD reads them in
// retry backoffs and as Flotilla reads them in `flotilla.dev/hook-timeout`.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Milliseconds in a Go duration string (`time.ParseDuration`), or undefined
 * when the text is not one. "0" alone is zero; every other number needs a unit.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const start = PART.lastIndex;
    const match = PART.exec(rest);
    if (!match || match.index !== start) return undefined;
    const [, digits = '', unit = ''] = match;
    if (digits === '' || digits === '.') return undefined;
    total += Number(digits) * (UNIT_MS[unit] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/**
 * Milliseconds in Argo CD's backoff fields: a bare integer is seconds ("5"),
 * anything else a Go duration ("5s", "2m"). Undefined when neither.
 */
export function parseSecondsOrDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  return parseGoDuration(trimmed);
}

/** A duration as Go prints one: "5m0s", "1h0m0s", "2.5s", "300ms", "0s". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = (abs % 60_000) / 1000;
  const secs = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secs}`;
  if (minutes > 0) return `${sign}${minutes}m${secs}`;
  return `${sign}${secs}`;
}
