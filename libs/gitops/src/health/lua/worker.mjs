// Entry point of a Lua health worker thread. The sources are TypeScript, loaded
// through tsx's loader: the worker runs from the source tree whether its host
// runs the sources or the build in dist/.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
