import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../src/publishing/webhook-signature.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import {
  type Cast,
  createCast,
  eventually,
  signedArticle,
  tempPublishDir,
} from './utils/publishing-fixtures.js';

const SECRET = 'webhook-secret-shared-with-the-website';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('webhook target', () => {
  let t: TestApp;
  let cast: Cast;
  let server: Server;
  let hookUrl: string;
  const received: Received[] = [];
  /** Status codes the receiver answers with, in order; 200 once they run out. */
  const answers: number[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/pages`;
    t = await createTestApp({
      now: new Date('2026-01-10T20:00:00Z'),
      env: { PUBLISH_DIR: tempPublishDir(), WEBHOOK_URLS: hookUrl, WEBHOOK_SECRET: SECRET },
    });
    cast = await createCast(t);
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
    // createTestApp leaves its environment in place; later test files in this worker must not inherit the hook.
    delete process.env.WEBHOOK_URLS;
    delete process.env.WEBHOOK_SECRET;
  });

  const deliveries = (articleId: string) =>
    t.dataSource.query<Record<string, unknown>[]>(
      'SELECT event, status, attempts, response_status, last_error, url FROM webhook_deliveries WHERE article_id = $1 ORDER BY created_at',
      [articleId],
    );

  it('POSTs the page and its metadata, signed with HMAC-SHA256, retrying until the receiver accepts', async () => {
    answers.push(503);
    const article = await signedArticle(t, cast);
    const published = await t
      .http()
      .post(`/articles/${article.id}/publish`)
      .set(cast.publisher.auth)
      .send({});
    expect(published.status).toBe(200);
    expect((published.body.publications as { target: string }[]).map((p) => p.target)).toContain(hookUrl);

    const [delivery] = await eventually(async () => {
      const rows = await deliveries(article.id);
      return rows[0]?.status === 'delivered' && rows;
    }, 'the webhook delivery');
    expect(delivery).toMatchObject({ event: 'publish', attempts: 2, response_status: 200, url: hookUrl });

    const mine = received.filter((r) => r.body.includes(article.id));
    expect(mine).toHaveLength(2);
    const last = mine[1];
    expect(verifyWebhookSignature(SECRET, last.body, last.headers[WEBHOOK_SIGNATURE_HEADER] as string)).toBe(
      true,
    );
    expect(
      verifyWebhookSignature('another-secret', last.body, last.headers[WEBHOOK_SIGNATURE_HEADER] as string),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        SECRET,
        last.body.replace('Baclofen', 'Baclofen!'),
        last.headers[WEBHOOK_SIGNATURE_HEADER] as string,
      ),
    ).toBe(false);
    expect(last.headers['x-webhook-event']).toBe('publish');

    const payload = JSON.parse(last.body);
    const page = await t.http().get(`/public/articles/${article.slug}`);
    expect(payload).toMatchObject({
      event: 'publish',
      action: 'publish',
      articleId: article.id,
      slug: article.slug,
      url: published.body.publicUrl,
      revision: 1,
      signOffId: article.signOff.id,
      byline: published.body.byline,
      lastReviewed: '2026-01-10',
      reviewedBy: { id: cast.reviewer.id, name: 'Alan Lucks', credentials: 'MD' },
      htmlChecksum: published.body.htmlChecksum,
      html: page.text,
    });
    expect(createHash('sha256').update(payload.html).digest('hex')).toBe(published.body.htmlChecksum);
  });

  it('tells the receiver when the page comes down, and gives up on an answer retrying cannot fix', async () => {
    const article = await signedArticle(t, cast);
    await t.http().post(`/articles/${article.id}/publish`).set(cast.publisher.auth).send({});
    await eventually(
      async () => (await deliveries(article.id))[0]?.status === 'delivered',
      'the publish delivery',
    );

    answers.push(410);
    expect((await t.http().post(`/articles/${article.id}/unpublish`).set(cast.publisher.auth)).status).toBe(
      200,
    );
    const rows = await eventually(async () => {
      const all = await deliveries(article.id);
      return all[1]?.status === 'failed' && all;
    }, 'the unpublish delivery to fail');
    expect(rows[1]).toMatchObject({ event: 'unpublish', attempts: 1, response_status: 410 });
    expect(rows[1].last_error).toContain('410');
    const sent = received.filter(
      (r) => r.headers['x-webhook-event'] === 'unpublish' && r.body.includes(article.id),
    );
    expect(JSON.parse(sent[0].body)).toMatchObject({
      event: 'unpublish',
      slug: article.slug,
      articleId: article.id,
    });
    expect(
      verifyWebhookSignature(SECRET, sent[0].body, sent[0].headers[WEBHOOK_SIGNATURE_HEADER] as string),
    ).toBe(true);
  });
});
