import { parseAllDocuments } from 'yaml';
import { run } from '@flotilla/runtime';

/** The objects `helm template` renders for release `rel` in namespace `ns1`, with `--set`s. */
export async function helmTemplate<T>(
  helm: string,
  chart: string,
  set: readonly string[],
): Promise<T[]> {
  const { stdout } = await run(helm, [
    'template',
    'rel',
    chart,
    '--namespace',
    'ns1',
    ...set.flatMap((s) => ['--set', s]),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as T | null)
    .filter((d): d is T => d !== null);
}
