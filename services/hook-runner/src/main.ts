// The hook-runner service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { hookRunnerRole } from './role.js';

await runRoles('hook-runner', [hookRunnerRole], process.env);
