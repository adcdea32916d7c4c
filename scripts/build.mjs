#!/usr/bin/env node
// Builds the JavaScript the `flotilla` command and the services run: one ES
// module bundle per entry point, split into shared chunks so a command loads
// only what it imports. Workspace libraries are bundled; npm packages stay
// external and load from node_modules. Tests keep running the sources.
//
// `cli/bin/flotilla.mjs` runs the build only while it is fresh: the list of
// inputs written beside it lets the bin see a source edited after the build.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
const started = Date.now();

const services = (await readdir(join(root, 'services'), { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const entryPoints = [
  { in: join(root, 'cli', 'src', 'main.ts'), out: 'flotilla' },
  ...services.map((s) => ({ in: join(root, 'services', s, 'src', 'main.ts'), out: s })),
];

/** npm packages load from node_modules at run time; workspace libraries are bundled. */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@flotilla/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Modules find files beside their sources (Lua scripts, a worker, the Go
 * module of the control plane) through `import.meta.url`. Every output file
 * lies directly in `dist/`, so each module's own URL is rewritten to its
 * source file, relative to the bundle, and the build can move with the tree.
 */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(outdir, args.path).split('\\').join('/');
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(rel)}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [externalPackages, sourceUrls],
});

const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
// The build is stale once any of these changed after the build began.
const manifest = { startedAtMs: started, inputs: [...inputs, 'package-lock.json'] };
await writeFile(join(outdir, 'inputs.json'), JSON.stringify(manifest));
process.stderr.write(
  `built ${entryPoints.length} entry points from ${inputs.length} files into dist/ in ${Date.now() - started} ms\n`,
);
