// Writes deploy/install.yaml from the Helm chart with the provisioned helm.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';
import { installYamlPath, renderInstallYaml } from '../src/install/chart.js';

const root = resolve(import.meta.dirname, '..', '..');
const helm = await resolveTool('helm', {
  cacheDir: userCacheDir(process.env),
  overrides: { helm: process.env['FLOTILLA_HELM'] },
  path: process.env['PATH'],
});
await writeFile(installYamlPath(root), await renderInstallYaml(helm, root));
process.stdout.write(`wrote ${installYamlPath(root)}\n`);
