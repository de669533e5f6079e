import { normaliseContent } from '../src/articles/article-content.rules.js';
import type { ArticleContent } from '../src/articles/article-content.js';
import { deskSession, type DeskSession } from './utils/desk-session.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import {
  assignAndAccept,
  createReviewer,
  draftSeed,
  getArticle,
  seedContent,
  submit,
} from './utils/workflow.js';

/**
 * The writer's desk pages (`/desk/write…`) over HTTP, as a browser posts them: who may open them, list buttons that
 * change the form without saving, refusals beside their field from the API's own validation, submit and withdraw
 * through the API's services, and an edit conflict that loses nothing. The Chromium run is
 * newsroom-writer-browser.e2e-spec.ts.
 */

/** The whole form of `content` as the editor posts it: flat names that are the API's field paths. */
function formFields(content: ArticleContent, version: string, op = 'save'): Record<string, string> {
  const fields: Record<string, string> = {
    version,
    op,
    title: content.title,
    slug: content.slug,
    description: content.description,
    specialty: content.specialty,
    bottomLine: content.bottomLine,
  };
  content.keyTakeaways.forEach((text, i) => (fields[`keyTakeaways[${i}]`] = text));
  content.sections.forEach((s, i) => {
    fields[`sections[${i}].heading`] = s.heading;
    // A browser posts a text area's line breaks as CR LF.
    fields[`sections[${i}].body`] = s.body.replaceAll('\n', '\r\n');
  });
  content.faq.forEach((f, i) => {
    fields[`faq[${i}].question`] = f.question;
    fields[`faq[${i}].answer`] = f.answer;
  });
  content.references.forEach((r, i) => {
    fields[`references[${i}].title`] = r.title;
    fields[`references[${i}].url`] = r.url;
    fields[`references[${i}].publisher`] = r.publisher;
    fields[`references[${i}].year`] = r.year === null ? '' : String(r.year);
  });
  content.relatedSlugs.forEach((slug, i) => (fields[`relatedSlugs[${i}]`] = slug));
  content.images.forEach((image, i) => {
    fields[`images[${i}].url`] = image.url;
    fields[`images[${i}].alt`] = image.alt;
    fields[`images[${i}].caption`] = image.caption ?? '';
    fields[`images[${i}].sectionIndex`] =
      image.sectionIndex === null || image.sectionIndex === undefined ? '' : String(image.sectionIndex);
  });
  return fields;
}

/** The message the page shows beside the field with this id ('' when none). */
function errorBeside(html: string, id: string): string {
  const match = new RegExp(`id="${id}-error">([^<]*)<`).exec(html);
  if (!match) throw new Error(`no error slot for ${id}`);
  return match[1];
}

function valueOf(html: string, id: string): string | null {
  const input = new RegExp(`<input id="${id}" [^>]*value="([^"]*)"`).exec(html);
  if (input) return input[1];
  const area = new RegExp(`<textarea id="${id}"[^>]*>\\n([\\s\\S]*?)</textarea>`).exec(html);
  return area ? area[1] : null;
}

describe('the writer’s desk pages over HTTP', () => {
  let t: TestApp;
  let writer: TestUser;
  let otherWriter: TestUser;
  let editor: TestUser;
  let reviewer: TestUser;
  let desk: DeskSession;

  beforeAll(async () => {
    t = await createTestApp();
    [writer, otherWriter, editor] = await Promise.all([
      createUser(t, ['writer'], { name: 'Wren Writer' }),
      createUser(t, ['writer'], { name: 'Otto Other' }),
      createUser(t, ['editor'], { name: 'Erin Editor' }),
    ]);
    reviewer = await createReviewer(t);
    desk = await deskSession(t, writer.email, writer.password);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const version = async (id: string) => (await getArticle(t, writer, id)).body.version as number;

  it('opens only for the article’s writer and editors, as PATCH /articles/:id decides; others get 403, unknown 404', async () => {
    const article = await draftSeed(t, writer);
    const path = `/desk/write/${article.id}`;
    expect((await desk.get(path)).status).toBe(200);
    expect((await desk.get(`${path}/preview`)).status).toBe(200);
    const editorDesk = await deskSession(t, editor.email, editor.password);
    expect((await editorDesk.get(path)).status).toBe(200);
    const otherDesk = await deskSession(t, otherWriter.email, otherWriter.password);
    const reviewerDesk = await deskSession(t, reviewer.email, reviewer.password);
    for (const [who, session] of [
      ['other writer', otherDesk],
      ['reviewer', reviewerDesk],
    ] as const) {
      for (const page of [path, `${path}/preview`]) {
        expect({ who, page, status: (await session.get(page)).status }).toEqual({ who, page, status: 403 });
      }
      const posted = await session.post(path, formFields({ ...seedContent(), title: 'Hijacked' }, '1'));
      expect({ who, status: posted.status }).toEqual({ who, status: 403 });
      const submitted = await session.post(`${path}/submit`, formFields(seedContent(), '1'));
      expect({ who, status: submitted.status }).toEqual({ who, status: 403 });
    }
    // Only writers start articles (POST /articles is writer-only).
    expect((await reviewerDesk.get('/desk/write/new')).status).toBe(403);
    expect((await editorDesk.post('/desk/write', formFields(seedContent(), ''))).status).toBe(403);
    expect((await desk.get('/desk/write/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await getArticle(t, writer, article.id)).body.content.title).toBe(seedContent().title);
    // No session: the login page, and back.
    const anonymous = await t.http().get(path);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`/desk/login?next=${encodeURIComponent(path)}`);
  });

  it('My articles lists the writer’s own articles with status, reviewer and the latest comment', async () => {
    const mine = await draftSeed(t, writer, { title: 'Mine: baclofen and sleep' });
    await draftSeed(t, otherWriter, { title: 'Not mine: someone else’s' });
    const comment = await t
      .http()
      .post(`/articles/${mine.id}/comments`)
      .set(editor.auth)
      .send({ body: 'Please cite the 2024 label.', sectionIndex: 0 });
    expect(comment.status).toBe(201);
    await submit(t, writer, mine.id);
    await assignAndAccept(t, editor, reviewer, mine.id);
    const page = await desk.get('/desk/write');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<dt>Reviewer<\/dt><dd>Alan Lucks<\/dd>/);
    expect(page.text).toContain('Mine: baclofen and sleep');
    expect(page.text).not.toContain('Not mine');
    expect(page.text).toContain('Please cite the 2024 label.');
    expect(page.text).toContain('Erin Editor');
    expect(page.text).toMatch(/<dt>Status<\/dt><dd>In review<\/dd>/);
    // The comment also sits beside the section it is about in the editor.
    const editorPage = await desk.get(`/desk/write/${mine.id}`);
    const sectionZero = editorPage.text.slice(
      editorPage.text.indexOf('id="f-sections-0"'),
      editorPage.text.indexOf('id="f-sections-1"'),
    );
    expect(sectionZero).toContain('Please cite the 2024 label.');
  });

  it('a list button changes the form and shows it again, saving nothing', async () => {
    const article = await draftSeed(t, writer);
    const before = await version(article.id);
    const content = seedContent();
    const added = await desk.post(
      `/desk/write/${article.id}`,
      formFields({ ...content, slug: article.body.slug as string }, String(before), 'sections.add'),
    );
    expect(added.status).toBe(200);
    expect(valueOf(added.text, 'f-sections-9-heading')).toBe('');
    const moved = await desk.post(
      `/desk/write/${article.id}`,
      formFields(content, String(before), 'sections.down.0'),
    );
    expect(valueOf(moved.text, 'f-sections-1-heading')).toBe(content.sections[0].heading);
    expect(valueOf(moved.text, 'f-sections-0-heading')).toBe(content.sections[1].heading);
    // The image placed after section 3 stays with it when section 3 is removed: it goes to the top.
    const removed = await desk.post(
      `/desk/write/${article.id}`,
      formFields(content, String(before), 'sections.remove.3'),
    );
    expect(valueOf(removed.text, 'f-sections-3-heading')).toBe(content.sections[4].heading);
    expect(removed.text).toMatch(/<option value=""[^>]* selected>The top of the article/);
    expect(await version(article.id)).toBe(before);
  });

  it('a bad reference URL and an empty heading are named beside their fields, and nothing is saved', async () => {
    const article = await draftSeed(t, writer);
    const before = await version(article.id);
    const content = seedContent();
    content.slug = article.body.slug as string;
    content.references[1].url = 'not a url';
    content.sections[2].heading = 'Fine heading';
    content.references[2].year = null;
    const fields = formFields(content, String(before));
    fields['references[2].year'] = 'last year';
    const res = await desk.post(`/desk/write/${article.id}`, fields);
    expect(res.status).toBe(400);
    expect(errorBeside(res.text, 'f-references-1-url')).toBe('URL must be an http or https URL.');
    expect(errorBeside(res.text, 'f-references-2-year')).toContain('Year must be an integer number.');
    expect(errorBeside(res.text, 'f-references-0-url')).toBe('');
    expect(valueOf(res.text, 'f-references-1-url')).toBe('not a url');
    expect(res.text).toContain('href="#f-references-1-url"');
    expect(await version(article.id)).toBe(before);

    // An empty heading is allowed in a draft, but submitting names it (and everything else missing).
    content.references[1].url = 'https://example.org/ok';
    content.sections[2].heading = '';
    content.faq[1].answer = '';
    const submitted = await desk.post(
      `/desk/write/${article.id}/submit`,
      formFields(content, String(before)),
    );
    expect(submitted.status).toBe(422);
    expect(submitted.text).toContain('Not sent for review');
    expect(errorBeside(submitted.text, 'f-sections-2-heading')).toBe('Heading is empty.');
    expect(errorBeside(submitted.text, 'f-faq-1-answer')).toBe(
      'Answer is empty: every FAQ entry needs an answer.',
    );
    const after = (await getArticle(t, writer, article.id)).body;
    expect(after.status).toBe('draft');
  });

  it('saves the whole seed article exactly, submits it, withdraws it', async () => {
    const blank = await desk.get('/desk/write/new');
    expect(blank.status).toBe(200);
    expect(valueOf(blank.text, 'f-title')).toBe('');
    const content = { ...seedContent(), slug: `typed-seed-${Date.now()}` };
    const created = await desk.post('/desk/write', formFields(content, ''));
    expect(created.status).toBe(303);
    const id = /\/desk\/write\/([0-9a-f-]{36})\?notice=created/.exec(created.headers.location)![1];
    const stored = (await getArticle(t, writer, id)).body;
    expect(stored.content).toEqual(normaliseContent(content));
    const submitted = await desk.post(
      `/desk/write/${id}/submit`,
      formFields(content, String(stored.version)),
    );
    expect(submitted.status).toBe(303);
    expect(submitted.headers.location).toBe(`/desk/write/${id}?notice=submitted`);
    const inReview = (await getArticle(t, writer, id)).body;
    expect(inReview.status).toBe('in_review');
    expect(inReview.currentRevision).toBe(1);
    const page = await desk.get(`/desk/write/${id}?notice=submitted`);
    expect(page.text).toContain('Withdraw from review');
    // In review the form is shown frozen: nothing in it can be changed or pressed.
    expect(page.text).toContain('<fieldset class="frozen" disabled>');
    // Saving while in review is refused by the workflow, with the typed text kept.
    const refused = await desk.post(
      `/desk/write/${id}`,
      formFields({ ...content, title: 'Changed in review' }, String(inReview.version)),
    );
    expect(refused.status).toBe(409);
    expect(valueOf(refused.text, 'f-title')).toBe('Changed in review');
    const withdrawn = await desk.post(`/desk/write/${id}/withdraw`, { version: String(inReview.version) });
    expect(withdrawn.status).toBe(303);
    expect((await getArticle(t, writer, id)).body.status).toBe('draft');
    const preview = await desk.get(`/desk/write/${id}/preview`);
    expect(preview.text).toContain('not medically reviewed');
  });

  it('a stale save shows the writer’s text beside the newer revision, loses nothing, and saves on top', async () => {
    const article = await draftSeed(t, writer);
    const start = await version(article.id);
    const content = { ...seedContent(), slug: article.body.slug as string };
    const tabA = {
      ...content,
      title: 'Tab A title',
      sections: content.sections.map((s, i) => (i === 1 ? { ...s, body: 'Tab A body' } : s)),
    };
    const tabB = { ...content, title: 'Tab B title' };
    expect((await desk.post(`/desk/write/${article.id}`, formFields(tabA, String(start)))).status).toBe(303);
    const stale = await desk.post(`/desk/write/${article.id}`, formFields(tabB, String(start)));
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Someone saved a newer revision');
    expect(valueOf(stale.text, 'f-title')).toBe('Tab B title');
    expect(stale.text).toMatch(
      /id="f-title-newer">\s*<p class="newer-label">The newer revision has:<\/p>\s*<p class="newer-text">Tab A title</,
    );
    expect(stale.text).toContain('Tab A body');
    const newVersion = /name="version" value="(\d+)"/.exec(stale.text)![1];
    expect(Number(newVersion)).toBe(start + 1);
    expect((await getArticle(t, writer, article.id)).body.content.title).toBe('Tab A title');
    const again = await desk.post(`/desk/write/${article.id}`, formFields(tabB, newVersion));
    expect(again.status).toBe(303);
    const final = (await getArticle(t, writer, article.id)).body;
    expect(final.content.title).toBe('Tab B title');
    expect(final.currentRevision).toBe(3);
  });
});
