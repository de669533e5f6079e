import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArticleContent } from '../articles/article-content.js';
import { renderContent } from '../articles/markdown-renderer.js';
import { bylineText } from '../sign-offs/byline.js';
import { PageRenderer, TemplateError } from './page-renderer.js';
import { buildPageViewModel, type PageSource, type SiteSettings } from './page-view-model.js';

const root = join(import.meta.dirname, '..', '..');
const seed = JSON.parse(
  readFileSync(join(root, 'test/fixtures/seed-article.json'), 'utf8'),
) as ArticleContent;
const site: SiteSettings = {
  siteName: 'Health Library',
  publicBaseUrl: 'https://health.example.org/',
  timeZone: 'America/New_York',
  lang: 'en',
};
const signer = {
  signOffId: '6d1f5c1e-0000-4000-8000-000000000001',
  reviewerId: '6d1f5c1e-0000-4000-8000-000000000002',
  displayName: 'Alan Lucks',
  credentials: 'MD',
  affiliation: 'Alan Lucks MDPC Private Practice - New York',
  signedAt: new Date('2026-01-10T23:30:00-05:00'),
};

function source(content: ArticleContent = seed, overrides: Partial<PageSource> = {}): PageSource {
  return {
    articleId: '6d1f5c1e-0000-4000-8000-000000000003',
    revisionNumber: 2,
    revisionCreatedAt: new Date('2026-01-09T12:00:00Z'),
    content,
    rendered: renderContent(content),
    authorName: 'Wendy Writer',
    signer,
    firstPublishedAt: new Date('2026-01-12T14:00:00Z'),
    nextReviewDueAt: new Date('2027-01-11T04:30:00Z'),
    related: [],
    ...overrides,
  };
}

const renderer = PageRenderer.fromDirectory(join(root, 'templates'));

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, ' ');
}

describe('page renderer', () => {
  const html = renderer.renderPage(buildPageViewModel(source(), site));

  it('writes the byline exactly as the signed record says, dated in the publication time zone', () => {
    const byline = /<p class="byline">([\s\S]*?)<\/p>/.exec(html)![1];
    expect(textOf(byline)).toBe(
      bylineText(
        {
          reviewerDisplayName: signer.displayName,
          reviewerCredentials: signer.credentials,
          reviewerAffiliation: signer.affiliation,
          signedAt: signer.signedAt,
        },
        site.timeZone,
      ),
    );
    expect(textOf(byline)).toContain('on January 10th, 2026');
    expect(byline).toContain(
      '<a href="https://health.example.org/public/reviewers/6d1f5c1e-0000-4000-8000-000000000002">Alan Lucks</a>',
    );
  });

  it('shows every FAQ question with its answer, and numbered, linked references', () => {
    for (const entry of seed.faq) expect(html).toContain(`<h3>${entry.question}</h3>`);
    const references = /<section class="references">([\s\S]*?)<\/section>/.exec(html)![1];
    expect(references).toContain('<ol>');
    expect(references.match(/<li>/g)).toHaveLength(seed.references.length);
    expect(references).toContain('href="https://medlineplus.gov/druginfo/meds/a682530.html" rel="noopener"');
  });

  it('puts image alt text in the alt attribute only', () => {
    const alt = seed.images[0].alt;
    expect(html).toContain(`alt="${alt}"`);
    expect(textOf(html)).not.toContain(alt);
  });

  it('embeds JSON-LD that parses and matches the sign-off', () => {
    const json = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1];
    const data = JSON.parse(json);
    const page = data['@graph'].find((node: { '@type': string }) => node['@type'] === 'MedicalWebPage');
    expect(page).toMatchObject({
      name: seed.title,
      lastReviewed: '2026-01-10',
      reviewedBy: {
        '@type': 'Person',
        name: 'Alan Lucks',
        honorificSuffix: 'MD',
        affiliation: { name: 'Alan Lucks MDPC Private Practice - New York' },
      },
      specialty: 'https://schema.org/Neurologic',
      datePublished: '2026-01-12T14:00:00.000Z',
    });
    expect(page.citation).toHaveLength(seed.references.length);
    const faq = data['@graph'].find((node: { '@type': string }) => node['@type'] === 'FAQPage');
    expect(faq.mainEntity.map((q: { name: string }) => q.name)).toEqual(seed.faq.map((e) => e.question));
  });

  it('shows the next review date, and no footer line without one', () => {
    expect(html).toContain('Next review due: <time datetime="2027-01-10">January 10th, 2027</time>');
    const none = renderer.renderPage(buildPageViewModel(source(seed, { nextReviewDueAt: null }), site));
    expect(none).not.toContain('Next review due');
  });

  it('renders the same bytes for the same source', () => {
    expect(renderer.renderPage(buildPageViewModel(source(), site))).toBe(html);
  });

  it('escapes writer text everywhere, keeps script out of JSON-LD, and drops unsafe URLs', () => {
    const evil = '</script><script>alert(1)</script>';
    const content: ArticleContent = {
      ...seed,
      title: evil,
      description: `" onmouseover="alert(1)`,
      keyTakeaways: ['<img src=x onerror=alert(1)>'],
      sections: [{ heading: '<svg onload=alert(1)>', body: '[x](javascript:alert(1))' }],
      faq: [{ question: '{{constructor.constructor("alert(1)")()}}', answer: '<b>x</b>' }],
      references: [
        { title: 'bad', url: 'javascript:alert(1)', publisher: '<i>', year: null },
        { title: 'data', url: 'data:text/html,<script>alert(1)</script>', publisher: '', year: 2020 },
      ],
      images: [
        { url: 'java\tscript:alert(1)', alt: 'never shown', caption: null, sectionIndex: 0 },
        {
          url: 'https://images.example.com/a.jpg',
          alt: '" onerror="alert(1)',
          caption: '<u>c</u>',
          sectionIndex: 0,
        },
      ],
    };
    const page = renderer.renderPage(buildPageViewModel(source(content), site));
    const scripts = page.match(/<script\b/g) ?? [];
    expect(scripts).toHaveLength(1);
    expect(page).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i);
    expect(page).not.toMatch(/<svg|<img[^>]*\sonerror=|<(b|i|u)>/i);
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('{{constructor.constructor(&quot;alert(1)&quot;)()}}');
    expect(page).not.toContain('never shown');
    expect(page).toContain('alt="&quot; onerror&#x3D;&quot;alert(1)"');
    const json = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page)![1];
    expect(json).not.toContain('<');
    expect(JSON.parse(json)['@graph'][0].name).toBe(evil);
  });

  describe('a template set of its own (TEMPLATES_DIR)', () => {
    const copy = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'mrs-templates-'));
      cpSync(join(root, 'templates'), dir, { recursive: true });
      return dir;
    };

    it('renders with the replaced templates, under another fingerprint', () => {
      const dir = copy();
      const byline = join(dir, 'partials', 'byline.hbs');
      writeFileSync(byline, readFileSync(byline, 'utf8').replace('Medically reviewed by', 'Reviewed by'));
      const custom = PageRenderer.fromDirectory(dir);
      expect(custom.fingerprint).not.toBe(renderer.fingerprint);
      expect(custom.renderPage(buildPageViewModel(source(), site))).toContain(
        '<p class="byline">Reviewed by <a',
      );
    });

    it('refuses, at load time, a set that names a missing value or lacks a layout', () => {
      const typo = copy();
      const page = join(typo, 'layouts', 'page.hbs');
      writeFileSync(page, readFileSync(page, 'utf8').replace('{{title}} |', '{{titel}} |'));
      expect(() => PageRenderer.fromDirectory(typo)).toThrow(TemplateError);
      expect(() => PageRenderer.fromDirectory(typo)).toThrow(/"titel" not defined/);

      const helper = copy();
      writeFileSync(page.replace(typo, helper), '{{#unknownHelper title}}x{{/unknownHelper}}');
      expect(() => PageRenderer.fromDirectory(helper)).toThrow(TemplateError);

      expect(() => PageRenderer.fromDirectory(join(tmpdir(), 'no-such-templates'))).toThrow(/is missing/);
    });
  });
});
