import { join } from 'node:path';
import { buildGoBinariesOnce, type GoBuildOptions, type GoBuildSpec } from './go-build.js';
import { VERSIONS } from './versions.js';

const PROMTOOL: GoBuildSpec = {
  module: 'promtool',
  version: VERSIONS.prometheus,
  packages: ['github.com/prometheus/prometheus/cmd/promtool'],
  outputs: ['promtool'],
  ldflags: [],
  // Rule checks and rule unit tests need no service discovery: leaving the
  // cloud providers' plugins out spares the build their SDKs.
  tags: ['remove_all_sd'],
  expected: 'about 15 min on 2 shared cores',
};

/**
 * Builds Prometheus' `promtool` from its Go module, once per version, for the
 * suites that check and unit-test the chart's alerting rules. Returns the
 * binary's path.
 */
export async function provisionPromtool(options: GoBuildOptions): Promise<string> {
  return join(await buildGoBinariesOnce(PROMTOOL, options), 'promtool');
}
