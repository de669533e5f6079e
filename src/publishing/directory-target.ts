import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { TemplateAsset } from './page-renderer.js';
import { SITEMAP_SHARD_FILE, sitemapShardFile } from './sitemap.js';

/** The file operations the directory export needs; the default is node:fs/promises. */
export interface FileOps {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  writeFile(path: string, data: string | Buffer, options: { flag: 'wx' }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { recursive?: boolean; force: true }): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  stat(path: string): Promise<{ size: number }>;
}

export const nodeFileOps: FileOps = {
  mkdir: (path, options) => fs.mkdir(path, options),
  writeFile: (path, data, options) => fs.writeFile(path, data, options),
  rename: (from, to) => fs.rename(from, to),
  rm: (path, options) => fs.rm(path, options),
  readdir: (path) => fs.readdir(path),
  readFile: (path) => fs.readFile(path),
  stat: (path) => fs.stat(path),
};

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Temporary names: unique per process (pid plus a random tag, in case a pid is reused) and per file. */
const PROCESS_TAG = `${process.pid}-${randomBytes(4).toString('hex')}`;
let tempCounter = 0;
const TEMP = /^\..+\.tmp$/;
const RESERVED = new Set(['assets', 'sitemap.xml']);
/** The folder of temporary files (a dot folder: no slug can take its name). */
export const STAGING_FOLDER = '.staging';

export class UnsafeSlugError extends Error {}

/**
 * PUBLISH_DIR: `<slug>/index.html` per page, `assets/…`, `sitemap.xml` (and its shards `sitemap-<n>.xml` past
 * the sitemap's limit; no slug can take such a name, having no dot). Every file is written to a temporary
 * file in the staging folder (`PUBLISH_DIR/.staging`, on the same filesystem) and renamed over the old one
 * (rename is atomic on one filesystem), so a reader, or an export that dies half-way, only ever sees the old page
 * or the new page, never a part of one; what a dead export leaves is in that one folder, so cleaning it up is one
 * read, whatever the number of pages. A page's folder is created only when the rename finds it missing.
 */
export class DirectoryTarget {
  readonly root: string;
  private readonly staging: string;
  /** The staging folder, created once per target (again after a failure). */
  private stagingReady: Promise<unknown> | undefined;

  constructor(
    root: string,
    private readonly files: FileOps = nodeFileOps,
  ) {
    this.root = resolve(root);
    this.staging = join(this.root, STAGING_FOLDER);
  }

  pageFolder(slug: string): string {
    if (!SLUG.test(slug) || RESERVED.has(slug))
      throw new UnsafeSlugError(`"${slug}" is not a safe folder name`);
    return join(this.root, slug);
  }

  pagePath(slug: string): string {
    return join(this.pageFolder(slug), 'index.html');
  }

  async writePage(slug: string, html: string | Buffer): Promise<void> {
    await this.writeAtomic(this.pagePath(slug), html);
  }

  /** Whether the page file is there with the expected size (a cheap check that nobody removed or cut it). */
  async pageLooksWritten(slug: string, html: string | Buffer): Promise<boolean> {
    try {
      const size = typeof html === 'string' ? Buffer.byteLength(html, 'utf8') : html.length;
      return (await this.files.stat(this.pagePath(slug))).size === size;
    } catch {
      return false;
    }
  }

  async removePage(slug: string): Promise<void> {
    await this.files.rm(this.pageFolder(slug), { recursive: true, force: true });
  }

  /** Copies the template set's assets, skipping files whose content is already there. */
  async writeAssets(assets: TemplateAsset[]): Promise<number> {
    let written = 0;
    for (const asset of assets) {
      const path = resolve(this.root, 'assets', asset.path);
      if (!path.startsWith(join(this.root, 'assets') + sep)) continue;
      const current = await this.files.readFile(path).catch(() => null);
      if (current?.equals(asset.content)) continue;
      await this.writeAtomic(path, asset.content);
      written += 1;
    }
    return written;
  }

  async exists(relativePath: string): Promise<boolean> {
    return this.files.stat(join(this.root, relativePath)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Writes a file built from chunks (the sitemap) without holding it all in memory, then renames it into place.
   * `relativePath` may be decided by the chunks: a function is called once they are all written (in the root).
   */
  async writeStreamed(relativePath: string | (() => string), chunks: AsyncIterable<string>): Promise<void> {
    const named = typeof relativePath === 'string';
    const path = join(this.root, named ? relativePath : 'sitemap');
    const { temp, result: handle } = await this.staged(path, (name) => fs.open(name, 'wx'));
    try {
      for await (const chunk of chunks) await handle.write(chunk);
    } catch (error) {
      await handle.close();
      await this.files.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await this.renameInto(temp, named ? path : this.rootFile(relativePath()));
    } catch (error) {
      await this.files.rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Removes the sitemap shards (`sitemap-<n>.xml`) numbered above `keep`. Incrementally it looks for
   * `sitemap-<keep+1>.xml`, … while they exist and removes them from the highest down, so an interrupted removal
   * leaves an unbroken run for the next export to find; with `scan` it reads the whole root folder instead.
   */
  async removeSitemapShardsAbove(keep: number, scan = false): Promise<number> {
    let numbers: number[];
    if (scan) {
      const names = await this.files.readdir(this.root).catch(() => [] as string[]);
      numbers = names
        .map((name) => SITEMAP_SHARD_FILE.exec(name))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => Number(match[1]))
        .filter((n) => n > keep);
    } else {
      numbers = [];
      for (let n = keep + 1; await this.exists(sitemapShardFile(n)); n++) numbers.push(n);
    }
    for (const n of numbers.sort((a, b) => b - a)) {
      await this.files.rm(join(this.root, sitemapShardFile(n)), { force: true });
    }
    return numbers.length;
  }

  /** Writes a small file of the root folder (the sitemap index) atomically. */
  async writeRootFile(name: string, data: string): Promise<void> {
    await this.writeAtomic(this.rootFile(name), data);
  }

  private rootFile(name: string): string {
    if (name.includes('/') || name.includes(sep) || name.startsWith('.'))
      throw new Error(`"${name}" is not a file name`);
    return join(this.root, name);
  }

  /**
   * Removes the temporary files an interrupted export left behind: the staging folder's (one read), and, the first
   * time a folder is staged into (no staging folder yet), those that versions writing temporary files beside
   * their target left in the root and in every folder under it. Called when an export starts: only one runs at a
   * time (the export lock), so nothing in the staging folder is still being written.
   */
  async removeLeftovers(): Promise<number> {
    let removed = 0;
    const staged = await this.files.readdir(this.staging).catch(() => null);
    const remove = async (folder: string, names: string[]): Promise<void> => {
      for (const name of names.filter((n) => TEMP.test(n))) {
        await this.files.rm(join(folder, name), { force: true });
        removed += 1;
      }
    };
    if (staged) {
      await remove(this.staging, staged);
      return removed;
    }
    const folders = ['', ...(await this.files.readdir(this.root).catch(() => [] as string[]))];
    for (const folder of folders) {
      const path = join(this.root, folder);
      await remove(path, await this.files.readdir(path).catch(() => [] as string[]));
    }
    await this.ensureStaging();
    return removed;
  }

  /** A temporary name in the staging folder for the file at `path`, unique per process and per file. */
  private async tempName(path: string): Promise<string> {
    await this.ensureStaging();
    const name = path.slice(dirname(path).length + 1);
    tempCounter += 1;
    return join(this.staging, `.${name}.${PROCESS_TAG}-${tempCounter.toString(36)}.tmp`);
  }

  /**
   * Creates the temporary file for `path` in the staging folder (`create` makes it at the name given), removing
   * what a failed `create` left. When the staging folder was removed under the target (the whole directory
   * cleared, say), it is made again, once.
   */
  private async staged<T>(
    path: string,
    create: (temp: string) => Promise<T>,
  ): Promise<{ temp: string; result: T }> {
    const attempt = async () => {
      const temp = await this.tempName(path);
      try {
        return { temp, result: await create(temp) };
      } catch (error) {
        await this.files.rm(temp, { force: true }).catch(() => undefined);
        throw error;
      }
    };
    try {
      return await attempt();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.stagingReady = undefined;
      return attempt();
    }
  }

  private ensureStaging(): Promise<unknown> {
    return (this.stagingReady ??= this.files
      .mkdir(this.staging, { recursive: true })
      .catch((error: unknown) => {
        this.stagingReady = undefined;
        throw error;
      }));
  }

  /** Renames into place, creating the target's folder when the rename finds it missing (a new page's). */
  private async renameInto(temp: string, path: string): Promise<void> {
    try {
      await this.files.rename(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.files.mkdir(dirname(path), { recursive: true });
      await this.files.rename(temp, path);
    }
  }

  private async writeAtomic(path: string, data: string | Buffer): Promise<void> {
    const { temp } = await this.staged(path, (name) => this.files.writeFile(name, data, { flag: 'wx' }));
    try {
      await this.renameInto(temp, path);
    } catch (error) {
      await this.files.rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}
