import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildGoBinaries, goModulesDir } from './go-build.js';

/** Name of the Go template helper binary. */
export const GOTEMPLATE_BINARY = 'flotilla-gotemplate';

const MODULE = 'gotemplate';
const SOURCES = ['go.mod', 'go.sum', 'main.go'];

/** Options for {@link provisionGoTemplate}. */
export interface GoTemplateBuildOptions {
  readonly cacheDir: string;
  /** The `go` binary; `go` on PATH unless set. */
  readonly go?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
  /**
   * A static linux/amd64 binary (`CGO_ENABLED=0`), for the image, which has no
   * Go and no C library it was linked against; kept apart from the default build.
   */
  readonly static?: boolean;
}

/**
 * The cache key of the helper: a hash of its sources, so an edit to the
 * wrapper or a new Sprig version builds a new binary beside the old one.
 */
export async function goTemplateVersion(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(await readFile(join(goModulesDir(), MODULE, f)));
  return `src-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Builds the ApplicationSet Go template helper (Go's text/template with
 * Sprig, as Argo CD renders `goTemplate: true`) once per version into
 * `<cacheDir>/bin/gotemplate-<version>/`, and returns its path.
 */
export async function provisionGoTemplate(options: GoTemplateBuildOptions): Promise<string> {
  const version = `${await goTemplateVersion()}${options.static ? '-static' : ''}`;
  const env = options.static
    ? { ...(options.env ?? process.env), CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' }
    : options.env;
  const dir = await buildGoBinaries(
    {
      module: MODULE,
      version,
      packages: ['.'],
      outputs: [GOTEMPLATE_BINARY],
      ldflags: [],
      expected: 'about 1 to 4 min',
    },
    { ...options, ...(env ? { env } : {}) },
  );
  return join(dir, GOTEMPLATE_BINARY);
}
