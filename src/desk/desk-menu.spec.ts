import { DESK_LINKS, deskHomeSections, deskNavigation } from './desk-menu.js';

const hrefs = (roles: string[]) => deskNavigation(roles).map((link) => link.href);

describe('the desk navigation: one table of role → links', () => {
  it('gives each role exactly its agreed links', () => {
    expect(hrefs(['writer'])).toEqual(['/desk/write']);
    expect(hrefs(['reviewer'])).toEqual(['/desk/reviews']);
    expect(hrefs(['editor'])).toEqual(['/desk/editor']);
    expect(hrefs(['publisher'])).toEqual(['/desk/publisher']);
    expect(hrefs(['admin'])).toEqual([
      '/desk/admin',
      '/desk/admin/people',
      '/desk/admin/licences',
      '/desk/admin/emails',
      '/admin/queues',
      '/desk/admin/audit',
    ]);
  });

  it('shows nothing of a role the person does not hold', () => {
    const all = hrefs(['writer', 'editor']);
    expect(all).toEqual(['/desk/write', '/desk/editor']);
    expect(
      all.some((href) => href.includes('admin') || href.includes('publisher') || href.includes('reviews')),
    ).toBe(false);
    expect(hrefs([])).toEqual([]);
    expect(hrefs(['superuser', 'toString', '__proto__'])).toEqual([]);
  });

  it('keeps the table order whatever order the roles are stored in, each link once', () => {
    expect(hrefs(['admin', 'writer', 'reviewer'])).toEqual(hrefs(['reviewer', 'writer', 'admin']));
    expect(hrefs(['publisher', 'writer'])).toEqual(['/desk/write', '/desk/publisher']);
    const links = hrefs(['writer', 'reviewer', 'editor', 'publisher', 'admin']);
    expect(new Set(links).size).toBe(links.length);
    expect(links).toHaveLength(Object.values(DESK_LINKS).flat().length);
  });

  it('marks the link of the page shown as current, the most specific one only', () => {
    const nav = deskNavigation(['admin', 'reviewer'], '/desk/admin/people/123?notice=x');
    expect(nav.filter((link) => link.current).map((link) => link.href)).toEqual(['/desk/admin/people']);
    expect(deskNavigation(['admin'], '/desk/admin').find((link) => link.current)?.href).toBe('/desk/admin');
    expect(deskNavigation(['writer'], '/desk').some((link) => link.current)).toBe(false);
    expect(deskNavigation(['reviewer'], '/desk/reviewsx').some((link) => link.current)).toBe(false);
  });

  it("builds the home page's groups from the same table", () => {
    expect(deskHomeSections(['publisher', 'writer']).map((section) => section.role)).toEqual([
      'writer',
      'publisher',
    ]);
    expect(deskHomeSections(['admin'])[0].links.map((link) => link.href)).toEqual(hrefs(['admin']));
  });
});
