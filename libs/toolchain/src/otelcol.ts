import { join } from 'node:path';
import { buildGoBinariesOnce, type GoBuildOptions, type GoBuildSpec } from './go-build.js';
import { VERSIONS } from './versions.js';

const OTELCOL: GoBuildSpec = {
  module: 'otelcol',
  version: VERSIONS.otelcol,
  packages: ['.'],
  outputs: ['otelcol'],
  ldflags: [],
  expected: 'about 10 min, up to 20 on a loaded machine',
};

/**
 * Builds an OpenTelemetry Collector (OTLP receiver, file exporter) from its
 * Go modules, once per version, for the suites that check the traces the
 * roles export. Nothing else needs it, so it is built on a suite's first
 * request, never with the control plane. Returns the binary's path.
 */
export async function provisionOtelcol(options: GoBuildOptions): Promise<string> {
  return join(await buildGoBinariesOnce(OTELCOL, options), 'otelcol');
}
