import { readFileSync } from 'node:fs';
import type { ArticleContent } from './article-content.js';
import { renderContent, renderMarkdown } from './markdown-renderer.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));

const ALLOWED_TAGS = new Set([
  'p',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'strong',
  'em',
  'code',
  'pre',
  'blockquote',
  'a',
  'br',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
]);

/** Every tag of the output with its attributes, as a browser would read them. */
function tags(html: string): { name: string; attributes: Record<string, string> }[] {
  return [...html.matchAll(/<\/?([a-zA-Z0-9]+)([^>]*)>/g)].map(([, name, rest]) => ({
    name: name.toLowerCase(),
    attributes: Object.fromEntries(
      [...rest.matchAll(/([^\s=/]+)(?:="([^"]*)")?/g)].map(([, key, value]) => [
        key.toLowerCase(),
        value ?? '',
      ]),
    ),
  }));
}

describe('renderMarkdown', () => {
  it('renders paragraphs, lists, emphasis and sub-headings of a section body', () => {
    const html = renderMarkdown(
      'Intro with **bold** and *em*.\n\n### Mechanism\n\n- one\n- two\n\n1. first\n2. second',
    );
    expect(html).toBe(
      '<p>Intro with <strong>bold</strong> and <em>em</em>.</p>\n<h3>Mechanism</h3>\n' +
        '<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>',
    );
  });

  it('demotes h1 and h2 in a body to h3, so the page keeps h1 > h2 > h3', () => {
    expect(renderMarkdown('# Big\n\n## Middle\n\n#### Small')).toBe(
      '<h3>Big</h3>\n<h3>Middle</h3>\n<h4>Small</h4>',
    );
  });

  it('shows raw HTML as text instead of markup', () => {
    const html = renderMarkdown('Before <script>alert(1)</script> <b onclick="x()">after</b>');
    expect(html).toBe(
      '<p>Before &lt;script&gt;alert(1)&lt;/script&gt; &lt;b onclick="x()"&gt;after&lt;/b&gt;</p>',
    );
  });

  it('keeps http, https, mailto and relative links, links bare URLs; external ones get rel="noopener noreferrer"', () => {
    const html = renderMarkdown(
      '[a](https://medlineplus.gov/x) [b](/articles/other) [c](mailto:desk@example.com) https://www.fda.gov/drugs',
    );
    expect(html).toBe(
      '<p><a href="https://medlineplus.gov/x" rel="noopener noreferrer">a</a> <a href="/articles/other">b</a> ' +
        '<a href="mailto:desk@example.com">c</a> <a href="https://www.fda.gov/drugs" rel="noopener noreferrer">https://www.fda.gov/drugs</a></p>',
    );
  });

  it('never produces a javascript:, data: or vbscript: link, nor a protocol-relative one', () => {
    for (const source of [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x](data:text/html;base64,PHNjcmlwdD4=)',
      '[x](vbscript:msgbox(1))',
      '<javascript:alert(1)>',
      '[x][r]\n\n[r]: javascript:alert(1)',
    ]) {
      const html = renderMarkdown(source);
      expect({
        source,
        hrefs: tags(html)
          .map((tag) => tag.attributes.href)
          .filter(Boolean),
      }).toEqual({
        source,
        hrefs: [],
      });
    }
    expect(renderMarkdown('[x](//evil.example/path)')).toBe('<p><a>x</a></p>');
  });

  it('turns every XSS vector of the fixture into inert output: allowed tags only, no event handlers, safe hrefs', () => {
    const vectors = fixture('xss-vectors.json') as string[];
    expect(vectors.length).toBeGreaterThan(50);
    for (const vector of vectors) {
      for (const tag of tags(renderMarkdown(vector))) {
        expect({ vector, tag: tag.name, allowed: ALLOWED_TAGS.has(tag.name) }).toEqual({
          vector,
          tag: tag.name,
          allowed: true,
        });
        for (const [name, value] of Object.entries(tag.attributes)) {
          expect({ vector, name, allowed: ['href', 'title', 'rel', 'start'].includes(name) }).toEqual({
            vector,
            name,
            allowed: true,
          });
          if (name === 'href') {
            const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase() ?? 'relative';
            expect({
              vector,
              scheme,
              safe: ['http', 'https', 'mailto', 'relative'].includes(scheme),
            }).toEqual({
              vector,
              scheme,
              safe: true,
            });
          }
        }
      }
    }
  });

  it('renders the seed article: every section, FAQ answer and the bottom line', () => {
    const seed = fixture('seed-article.json') as ArticleContent;
    const rendered = renderContent(seed);
    expect(rendered.sections).toHaveLength(seed.sections.length);
    expect(rendered.faq).toHaveLength(seed.faq.length);
    expect(rendered.sections[1]).toContain('<h3>Mechanism of Action</h3>');
    expect(rendered.sections[3]).toMatch(/^<ul>\n<li>Receptor Target:/);
    expect(rendered.faq[0]).toBe(`<p>${seed.faq[0].answer}</p>`);
    expect(rendered.bottomLine).toMatch(/^<p>Baclofen is not a benzodiazepine/);
  });

  it('gives the same HTML for the same Markdown, however many other bodies were rendered in between', () => {
    const source = 'A [link](https://example.org/a) and <b>raw</b> HTML.';
    const first = renderMarkdown(source);
    for (let i = 0; i < 3000; i++) renderMarkdown(`Filler paragraph ${i}: ${'lorem ipsum '.repeat(200)}`);
    expect(renderMarkdown(source)).toBe(first);
    expect(renderMarkdown(source)).toBe(
      '<p>A <a href="https://example.org/a" rel="noopener noreferrer">link</a> and &lt;b&gt;raw&lt;/b&gt; HTML.</p>',
    );
  });

  it('renders an empty or blank body as empty', () => {
    expect(renderMarkdown('')).toBe('');
    expect(renderMarkdown('  \n ')).toBe('');
  });
});
