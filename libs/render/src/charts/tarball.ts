import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix, sep } from 'node:path';
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
function entryPath(name: string, what: string, inside = 'chart'): string[] {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || parts.includes('..') || parts.length === 0) {
    throw new RenderError(
      'PathEscape',
      `${what} holds ${JSON.stringify(name)}, which leaves the ${inside}`,
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

/**
 * Unpacks an OCI artifact's tree (a tar+gzip of a directory, its root the
 * artifact's root, as `tar -czf a.tgz -C dir .` or `oras push` make it) into
 * `dest`, refusing names with `..` or absolute paths, symlinks and hard
 * links whose target leaves the tree (`PathEscape`), devices and FIFOs, and
 * more than `maxBytes` unpacked. Symlinks inside the tree are kept: they are
 * made after every file is written (so no file is written through one) and
 * each is resolved on disk to check it stays inside.
 */
export async function unpackTree(
  archive: Buffer,
  dest: string,
  limits: { maxBytes: number },
  what: string,
): Promise<{ files: number; bytes: number }> {
  const tar = gunzip(archive, limits.maxBytes, what);
  const ex = extract();
  ex.end(tar);
  let files = 0;
  let bytes = 0;
  const links: { path: string[]; target: string }[] = [];
  const leaves = (name: string, target: string) =>
    new RenderError(
      'PathEscape',
      `${what} holds a link ${JSON.stringify(name)} to ${JSON.stringify(target)}, out of the artifact`,
    );
  try {
    for await (const entry of ex) {
      const h = entry.header;
      // `tar -C dir .` starts with the root itself (`./`).
      if (h.type === 'directory' && /^(\.?\/)*\.?$/.test(h.name) && !h.name.startsWith('/')) {
        entry.resume();
        continue;
      }
      const parts = entryPath(h.name, what, 'artifact');
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.linkname ?? '';
        const from = h.type === 'link' ? '' : posix.dirname(parts.join('/'));
        const resolved = posix.normalize(posix.join(from, target));
        if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../'))
          throw leaves(h.name, target);
        if (h.type === 'link')
          throw new RenderError(
            'InvalidRepository',
            `${what} holds a hard link ${JSON.stringify(h.name)}; write a file or a symlink`,
          );
        links.push({ path: parts, target });
        entry.resume();
        continue;
      }
      if (h.type === 'directory') {
        await mkdir(join(dest, ...parts), { recursive: true });
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        throw new RenderError(
          'InvalidRepository',
          `${what} holds ${JSON.stringify(h.name)} of type ${h.type}`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      bytes += body.length;
      files++;
      const file = join(dest, ...parts);
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
  const root = await realpath(dest);
  for (const link of links) {
    const file = join(dest, ...link.path);
    await mkdir(dirname(file), { recursive: true });
    try {
      await symlink(link.target, file);
    } catch (err) {
      throw new RenderError(
        'InvalidRepository',
        `${what} holds ${JSON.stringify(link.path.join('/'))} twice (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  // Links through links can leave a tree each one stays in on paper: ask the disk.
  for (const link of links) {
    const name = link.path.join('/');
    let real: string;
    try {
      real = await realpath(join(dest, ...link.path));
    } catch {
      throw new RenderError(
        'InvalidRepository',
        `${what} holds a link ${JSON.stringify(name)} to ${JSON.stringify(link.target)}, which does not exist`,
      );
    }
    if (real !== root && !real.startsWith(`${root}${sep}`)) throw leaves(name, link.target);
  }
  if (files === 0) throw new RenderError('InvalidRepository', `${what} is empty`);
  return { files, bytes };
}
