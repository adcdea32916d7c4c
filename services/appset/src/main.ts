// The appset service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { appsetRole } from './role.js';

await runRoles('appset', [appsetRole], process.env);
