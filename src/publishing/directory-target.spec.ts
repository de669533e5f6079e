import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DirectoryTarget,
  type FileOps,
  nodeFileOps,
  STAGING_FOLDER,
  UnsafeSlugError,
} from './directory-target.js';

const OLD = '<!DOCTYPE html><p>old page</p></html>\n';
const NEW = `<!DOCTYPE html><p>${'new page '.repeat(5000)}</p></html>\n`;

/** A process that dies at a given step: nothing after that step happens, not even clean-up. */
function dyingAt(step: 'midWrite' | 'beforeRename'): FileOps {
  const died = () => new Error('process killed');
  return {
    ...nodeFileOps,
    writeFile: async (path, data, options) => {
      if (step !== 'midWrite') return nodeFileOps.writeFile(path, data, options);
      writeFileSync(path, String(data).slice(0, 1000), { flag: 'wx' });
      throw died();
    },
    rename: () => Promise.reject(died()),
    rm: () => Promise.resolve(),
  };
}

describe('directory target', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mrs-target-'));
    mkdirSync(join(root, 'baclofen'));
    writeFileSync(join(root, 'baclofen', 'index.html'), OLD);
  });

  it.each(['midWrite', 'beforeRename'] as const)(
    'leaves the old page whole when the export dies %s, and the next export finishes the job',
    async (step) => {
      await expect(new DirectoryTarget(root, dyingAt(step)).writePage('baclofen', NEW)).rejects.toThrow(
        'process killed',
      );
      expect(readFileSync(join(root, 'baclofen', 'index.html'), 'utf8')).toBe(OLD);
      expect(readdirSync(join(root, 'baclofen'))).toEqual(['index.html']);
      expect(readdirSync(join(root, STAGING_FOLDER)).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);

      const target = new DirectoryTarget(root);
      expect(await target.removeLeftovers()).toBe(1);
      await target.writePage('baclofen', NEW);
      expect(readFileSync(join(root, 'baclofen', 'index.html'), 'utf8')).toBe(NEW);
      expect(readdirSync(join(root, 'baclofen'))).toEqual(['index.html']);
      expect(readdirSync(join(root, STAGING_FOLDER))).toEqual([]);
    },
  );

  it('cleans up what the export left beside the pages before the staging folder existed, once', async () => {
    writeFileSync(join(root, 'baclofen', '.index.html.123-0a1b2c3d-1.tmp'), 'half a page');
    writeFileSync(join(root, '.sitemap.xml.123-0a1b2c3d-2.tmp'), '<urlset');
    const target = new DirectoryTarget(root);
    expect(await target.removeLeftovers()).toBe(2);
    expect(readdirSync(join(root, 'baclofen'))).toEqual(['index.html']);
    expect(readdirSync(root).sort()).toEqual([STAGING_FOLDER, 'baclofen']);
    // From now on only the staging folder is read: a stray file beside a page is no longer the export's.
    writeFileSync(join(root, 'baclofen', '.index.html.456-0a1b2c3d-1.tmp'), 'not ours');
    expect(await target.removeLeftovers()).toBe(0);
  });

  it("creates a new page's folder, and the staging folder again when it was removed under it", async () => {
    const target = new DirectoryTarget(root);
    await target.writePage('baclofen', NEW);
    await target.writePage('tizanidine', OLD);
    expect(readFileSync(join(root, 'tizanidine', 'index.html'), 'utf8')).toBe(OLD);
    rmSync(join(root, STAGING_FOLDER), { recursive: true });
    await target.writePage('tizanidine', NEW);
    expect(readFileSync(join(root, 'tizanidine', 'index.html'), 'utf8')).toBe(NEW);
    expect(readdirSync(join(root, STAGING_FOLDER))).toEqual([]);
  });

  it('never writes outside its folder', async () => {
    const target = new DirectoryTarget(root);
    for (const slug of ['../escape', 'a/b', '', 'assets', 'UPPER', '.hidden', 'sitemap.xml']) {
      await expect(target.writePage(slug, NEW)).rejects.toThrow(UnsafeSlugError);
    }
    await expect(target.removePage('..')).rejects.toThrow(UnsafeSlugError);
  });

  it('copies assets only when their content differs', async () => {
    const target = new DirectoryTarget(root);
    const assets = [{ path: 'page.css', content: Buffer.from('body{}') }];
    expect(await target.writeAssets(assets)).toBe(1);
    expect(await target.writeAssets(assets)).toBe(0);
    expect(readFileSync(join(root, 'assets', 'page.css'), 'utf8')).toBe('body{}');
  });

  it('streams a file under the name its chunks decide, atomically', async () => {
    const target = new DirectoryTarget(root);
    let name = 'sitemap.xml';
    await target.writeStreamed(
      () => name,
      (async function* () {
        yield 'a';
        await Promise.resolve();
        name = 'sitemap-1.xml';
        yield 'b';
      })(),
    );
    expect(readFileSync(join(root, 'sitemap-1.xml'), 'utf8')).toBe('ab');
    expect(readdirSync(root).sort()).toEqual([STAGING_FOLDER, 'baclofen', 'sitemap-1.xml']);
    await expect(
      target.writeStreamed(
        () => '../outside.xml',
        (async function* () {
          await Promise.resolve();
          yield 'x';
        })(),
      ),
    ).rejects.toThrow('is not a file name');
    expect(readdirSync(root).sort()).toEqual([STAGING_FOLDER, 'baclofen', 'sitemap-1.xml']);
    expect(readdirSync(join(root, STAGING_FOLDER))).toEqual([]);
  });

  it.each([false, true])(
    'removes the sitemap shards above those kept, and nothing else (scanning the folder: %s)',
    async (scan) => {
      const target = new DirectoryTarget(root);
      for (const name of ['sitemap.xml', 'sitemap-1.xml', 'sitemap-2.xml', 'sitemap-3.xml', 'sitemap-4.xml'])
        writeFileSync(join(root, name), name);
      expect(await target.removeSitemapShardsAbove(2, scan)).toBe(2);
      expect(readdirSync(root).sort()).toEqual(['baclofen', 'sitemap-1.xml', 'sitemap-2.xml', 'sitemap.xml']);
      expect(await target.removeSitemapShardsAbove(0, scan)).toBe(2);
      expect(readdirSync(root).sort()).toEqual(['baclofen', 'sitemap.xml']);
      expect(await target.removeSitemapShardsAbove(0, scan)).toBe(0);
    },
  );
});
