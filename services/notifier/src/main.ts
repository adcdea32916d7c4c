// The notifier service: wiring only. Behaviour lives in libs/.
import { runRoles } from '@flotilla/runtime';
import { notifierRole } from './role.js';

await runRoles('notifier', [notifierRole], process.env);
