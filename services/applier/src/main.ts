// The applier service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { applierRole } from './role.js';

await runRoles('applier', [applierRole], process.env);
