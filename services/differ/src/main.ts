// The differ service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { differRole } from './role.js';

await runRoles('differ', [differRole], process.env);
