import { transformFile } from '@swc/core';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ArticleContent } from '../src/articles/article-content.js';
import { largeRevisionPair } from '../src/articles/large-document.js';
import type { FieldChange } from '../src/articles/revision-diff.js';
import { RevisionDiffThread } from '../src/articles/revision-diff-thread.js';
import { createTestApp, createUser, type TestApp } from './utils/test-app.js';

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8'));

/** The worker and what it imports, compiled as the build compiles them (Jest runs the TypeScript sources). */
const SOURCES = ['revision-diff.worker', 'revision-diff', 'revision-diff-json', 'sequence-alignment'];
const OUT = fileURLToPath(new URL(`../dist/test-diff-thread-${process.pid}/`, import.meta.url));

async function compileWorker(): Promise<URL> {
  mkdirSync(OUT, { recursive: true });
  for (const name of SOURCES) {
    const source = fileURLToPath(new URL(`../src/articles/${name}.ts`, import.meta.url));
    const { code } = await transformFile(source, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    writeFileSync(`${OUT}${name}.js`, code);
  }
  return pathToFileURL(`${OUT}revision-diff.worker.js`);
}

/**
 * The diff thread as the service runs it (#15 §7): it reads the two revisions itself, on its own connection, so
 * two 800 KB contents are never received, decoded or parsed on the API's event loop; it answers each change as
 * UTF-8 JSON.
 */
describe('the diff thread reading revisions itself', () => {
  let t: TestApp;
  let thread: RevisionDiffThread;
  let id: string;
  let pair: ReturnType<typeof largeRevisionPair>;

  beforeAll(async () => {
    t = await createTestApp();
    const writer = await createUser(t, ['writer']);
    pair = largeRevisionPair({ ...seed(), slug: 'thread-reads' }, { sections: 6, chars: 20_000 });
    const created = await t.http().post('/articles').set(writer.auth).send(pair.before);
    expect(created.status).toBe(201);
    id = created.body.id;
    const saved = await t
      .http()
      .patch(`/articles/${id}`)
      .set(writer.auth)
      .set('If-Match', '"1"')
      .send({ sections: pair.after.sections });
    expect(saved.status).toBe(200);
    thread = new RevisionDiffThread(await compileWorker(), t.env.DATABASE_URL);
  });
  afterAll(async () => {
    await thread?.close();
    rmSync(OUT, { recursive: true, force: true });
    await t.close();
  });

  it('diffs two stored revisions named by article and numbers, each change as UTF-8 JSON', async () => {
    expect(thread.readsDatabase).toBe(true);
    const changes = (await thread.diffJson({ articleId: id, from: 1, to: 2 })).map(
      (change) => JSON.parse(Buffer.from(change.json).toString('utf8')) as FieldChange,
    );
    expect(changes.map((change) => change.path)).toEqual(
      pair.after.sections.map((_, i) => `sections[${i}].body`),
    );
    for (const [index, change] of changes.entries()) {
      expect(change).toMatchObject({
        kind: 'changed',
        before: pair.before.sections[index].body,
        after: pair.after.sections[index].body,
      });
    }
    // As objects too (the review desk's path), from contents given with the message.
    const objects = await thread.diff({ before: JSON.stringify(pair.before), after: pair.after });
    expect(objects.map((change) => change.path)).toEqual(changes.map((change) => change.path));
  });

  it('fails the one diff, clearly, when a revision is not stored, and keeps serving the next', async () => {
    await expect(thread.diffJson({ articleId: id, from: 1, to: 9 })).rejects.toThrow(
      /diff failed: revisions 1 and 9 are not both stored/,
    );
    expect(await thread.diffJson({ articleId: id, from: 2, to: 1 })).toHaveLength(6);
  });

  it('refuses to be asked to read without a database', async () => {
    const blind = new RevisionDiffThread(thread['file'], undefined);
    expect(blind.readsDatabase).toBe(false);
    await expect(blind.diffJson({ articleId: id, from: 1, to: 2 })).rejects.toThrow(/no database/);
    await blind.close();
  });
});
