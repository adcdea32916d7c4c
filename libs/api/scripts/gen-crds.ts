// Writes the CRDs of deploy/crds, and their copy in the Helm chart, from the TypeBox
// schemas in libs/api/src/schema. Run: npx tsx libs/api/scripts/gen-crds.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { allCrds, crdFileName, crdYaml } from '../src/index.js';

const deploy = resolve(import.meta.dirname, '../../../deploy');
for (const outDir of [join(deploy, 'crds'), join(deploy, 'helm', 'flotilla', 'crds')]) {
  await mkdir(outDir, { recursive: true });
  for (const crd of allCrds()) {
    const file = join(outDir, crdFileName(crd));
    await writeFile(file, crdYaml(crd));
    process.stdout.write(`wrote ${file}\n`);
  }
}
