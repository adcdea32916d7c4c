// The renderer service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { rendererRole } from './role.js';

await runRoles('renderer', [rendererRole], process.env);
