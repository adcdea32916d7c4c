// The git-poller service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { gitPollerRole } from './role.js';

await runRoles('git-poller', [gitPollerRole], process.env);
