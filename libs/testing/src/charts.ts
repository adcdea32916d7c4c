import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A chart to write for a test. */
export interface ChartFixture {
  readonly name: string;
  readonly version: string;
  /** `values.yaml`; `{ greeting: 'hello' }` unless set. */
  readonly values?: Record<string, unknown>;
  /** Template files by name; one ConfigMap named after the release and chart unless set. */
  readonly templates?: Record<string, string>;
  readonly dependencies?: readonly Record<string, unknown>[];
}

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
data:
  greeting: {{ .Values.greeting | quote }}
  chartVersion: {{ .Chart.Version | quote }}
`;

/** Writes a small Helm chart under `<parent>/<name>` and returns its directory. */
export async function writeChart(parent: string, chart: ChartFixture): Promise<string> {
  const dir = join(parent, chart.name);
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(
    join(dir, 'Chart.yaml'),
    stringify({
      apiVersion: 'v2',
      name: chart.name,
      version: chart.version,
      ...(chart.dependencies ? { dependencies: chart.dependencies } : {}),
    }),
  );
  await writeFile(join(dir, 'values.yaml'), stringify(chart.values ?? { greeting: 'hello' }));
  for (const [name, text] of Object.entries(chart.templates ?? { 'cm.yaml': CONFIGMAP })) {
    await writeFile(join(dir, 'templates', name), text);
  }
  return dir;
}
