// Argo CD's material (example apps, resource customizations) is read where it
// lies, in shared/compat beside the checkout; the project never copies it.
import { join } from 'node:path';

/** A path under `shared/compat` beside the checkout. */
export function sharedCompat(...parts: string[]): string {
  return join(import.meta.dirname, '../../../../shared/compat', ...parts);
}
