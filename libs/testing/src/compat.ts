import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Argo CD's example apps (the compatibility suite): `FLOTILLA_COMPAT_DIR`
 * when set, else `shared/compat/argocd-example-apps` beside the checkout (as
 * CI lays it out), else the one beside the main work tree.
 */
export function compatDir(): string {
  const fromEnv = process.env['FLOTILLA_COMPAT_DIR'];
  if (fromEnv) return fromEnv;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const candidates = [
    join(root, '..', 'shared', 'compat', 'argocd-example-apps'),
    '/work/shared/compat/argocd-example-apps',
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error(
      `the compat examples were not found (looked in ${candidates.join(', ')}); set FLOTILLA_COMPAT_DIR`,
    );
  return found;
}
