import unidecode from 'unidecode';

// The substitutions of the slug library Argo CD uses, for English, plus the
// underscore that its pullRequest generator turns into a dash.
const SUBSTITUTIONS: Record<string, string> = {
  _: '-',
  '&': 'and',
  '@': 'at',
  '"': '',
  "'": '',
  '\u2019': '',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
};

/**
 * A branch name as a DNS-label-friendly slug, as Argo CD's pullRequest
 * generator makes `branch_slug`: transliterated to ASCII, lower case, runs
 * of other characters as one `-`, and at most `max` characters, cut at the
 * last `-` that fits when there is one.
 */
export function branchSlug(text: string, max = 50): string {
  const subbed = [...text.trim()].map((c) => SUBSTITUTIONS[c] ?? c).join('');
  const slug = unidecode(subbed)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  if (slug.length <= max) return slug;
  const cut = slug.lastIndexOf('-', max);
  return cut >= 0 ? slug.slice(0, cut) : slug.slice(0, max);
}
