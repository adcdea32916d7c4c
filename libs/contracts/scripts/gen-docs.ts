// Writes docs/events.md and docs/schemas/** from the contracts, so both stay true.
//   npx tsx libs/contracts/scripts/gen-docs.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { publishedSchemas, renderEventsDoc } from '../src/index.js';

const docs = resolve(import.meta.dirname, '..', '..', '..', 'docs');
await writeFile(join(docs, 'events.md'), renderEventsDoc());
for (const [file, schema] of Object.entries(publishedSchemas())) {
  const path = join(docs, 'schemas', file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(schema, null, 2) + '\n');
}
console.log(
  `wrote ${join(docs, 'events.md')} and ${Object.keys(publishedSchemas()).length} schemas`,
);
