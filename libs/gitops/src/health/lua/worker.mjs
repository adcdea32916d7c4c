// Entry point of a Lua health worker thread. The sources are TypeScript, loaded
// through tsx's loader the way the CLI loads them, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
