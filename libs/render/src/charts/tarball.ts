import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { RenderError } from '../errors.js';

/** What an unpacked chart archive held. */
export interface UnpackedChart {
  /** The archive's top directory, the chart's name as packaged. */
  readonly top: string;
  readonly files: number;
  readonly bytes: number;
}

function gunzip(archive: Buffer, maxBytes: number, what: string): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: maxBytes });
  } catch (err) {
    if (
      err instanceof RangeError ||
      (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
    ) {
      throw new RenderError(
        'TooLarge',
        `${what} unpacks to more than the limit of ${maxBytes} bytes`,
      );
    }
    throw new RenderError(
      'InvalidRepository',
      `${what} is not a gzip archive: ${(err as Error).message}`,
    );
  }
}

// A name inside the archive, checked: relative, no `..`, under one top directory.
function entryPath(name: string, what: string): string[] {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || parts.includes('..') || parts.length === 0) {
    throw new RenderError(
      'PathEscape',
      `${what} holds ${JSON.stringify(name)}, which leaves the chart`,
    );
  }
  return parts;
}

/**
 * Unpacks a chart archive (`.tgz`) into `dest`, minus its top directory,
 * refusing what `helm` would be tricked by: names with `..` or absolute
 * paths, links (a symlink or hard link out of the chart is `PathEscape`; any
 * other link, device or FIFO is refused too, `helm package` never makes
 * one), more than one top directory, and more than `maxBytes` unpacked.
 */
export async function unpackChart(
  archive: Buffer,
  dest: string,
  limits: { maxBytes: number },
  what: string,
): Promise<UnpackedChart> {
  const tar = gunzip(archive, limits.maxBytes, what);
  const ex = extract();
  ex.end(tar);
  let top: string | undefined;
  let files = 0;
  let bytes = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const parts = entryPath(h.name, what);
      if (top === undefined) top = parts[0];
      if (parts[0] !== top) {
        throw new RenderError(
          'InvalidRepository',
          `${what} holds more than one chart (${top}, ${parts[0]})`,
        );
      }
      const rel = parts.slice(1);
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.linkname ?? '';
        const from = h.type === 'link' ? '' : posix.dirname(parts.join('/'));
        const resolved = posix.normalize(posix.join(from, target));
        const escapes =
          target.startsWith('/') ||
          resolved === '..' ||
          resolved.startsWith('../') ||
          !resolved.startsWith(`${top}/`);
        throw new RenderError(
          escapes ? 'PathEscape' : 'InvalidRepository',
          escapes
            ? `${what} holds a link ${JSON.stringify(h.name)} to ${JSON.stringify(target)}, out of the chart`
            : `${what} holds a link ${JSON.stringify(h.name)}; chart archives must hold plain files`,
        );
      }
      if (h.type === 'directory') {
        if (rel.length > 0) await mkdir(join(dest, ...rel), { recursive: true });
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        throw new RenderError(
          'InvalidRepository',
          `${what} holds ${JSON.stringify(h.name)} of type ${h.type}`,
        );
      }
      if (rel.length === 0)
        throw new RenderError(
          'InvalidRepository',
          `${what} holds a file outside a chart directory`,
        );
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      bytes += body.length;
      files++;
      const file = join(dest, ...rel);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body, { mode: 0o644 });
    }
  } catch (err) {
    ex.destroy();
    if (err instanceof RenderError) throw err;
    throw new RenderError(
      'InvalidRepository',
      `${what} is not a valid tar archive: ${(err as Error).message}`,
    );
  }
  if (top === undefined || files === 0)
    throw new RenderError('InvalidRepository', `${what} is empty`);
  return { top, files, bytes };
}
