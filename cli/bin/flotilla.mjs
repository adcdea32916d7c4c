#!/usr/bin/env node
// Entry point of the `flotilla` command: loads the TypeScript sources through
// tsx's loader, so the same code runs on Node 20, 22 and 24 without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
