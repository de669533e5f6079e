import type { Role } from '../users/user.entity.js';

/** One link of the desk's navigation, and what the home page says about it. */
export interface DeskLink {
  href: string;
  label: string;
  /** One sentence for the home page: what the person does there. */
  does: string;
}

/**
 * The one table of who sees which desk link: role → links, in the order the navigation shows them. The home
 * page and the layout's navigation both come from here, so neither shows a link the person's roles do not
 * permit (the pages themselves still check: this only decides what is offered).
 */
export const DESK_LINKS: Readonly<Record<Role, readonly DeskLink[]>> = {
  writer: [
    {
      href: '/desk/write',
      label: 'My articles',
      does: 'Write drafts, submit them and answer review comments.',
    },
  ],
  reviewer: [
    { href: '/desk/reviews', label: 'My reviews', does: 'Accept review requests, review and sign.' },
  ],
  editor: [
    {
      href: '/desk/editor',
      label: 'Editor',
      does: 'Assign reviewers, set review policies and follow overdue re-reviews.',
    },
  ],
  publisher: [
    {
      href: '/desk/publisher',
      label: 'Publishing',
      does: 'Publish signed articles, schedule, unpublish and follow exports.',
    },
  ],
  admin: [
    { href: '/desk/admin', label: 'Admin', does: 'The administration overview.' },
    {
      href: '/desk/admin/people',
      label: 'People',
      does: 'Invite people, change their roles, deactivate them.',
    },
    {
      href: '/desk/admin/licences',
      label: 'Licences',
      does: "Physicians' reviewer profiles and licence expiry dates.",
    },
    {
      href: '/desk/admin/emails',
      label: 'E-mail outbox',
      does: 'Retry failed e-mails, mark unknown ones sent.',
    },
    {
      href: '/admin/queues',
      label: 'Queues',
      does: 'The queue dashboard: jobs waiting, running and failed.',
    },
    { href: '/desk/admin/audit', label: 'Audit chain', does: "Verify the audit trail's hash chain." },
  ],
};

/** The order roles' groups appear in, whatever order the person's roles are stored in. */
const ROLE_ORDER: readonly Role[] = ['writer', 'reviewer', 'editor', 'publisher', 'admin'];

export interface DeskNavLink {
  href: string;
  label: string;
  /** aria-current="page" on the link of the page shown (or of the section it belongs to). */
  current: boolean;
}

/** The navigation of a person with these roles: their links in table order, each once. */
export function deskNavigation(roles: readonly string[], currentPath = ''): DeskNavLink[] {
  const seen = new Set<string>();
  const links: DeskNavLink[] = [];
  for (const role of ROLE_ORDER) {
    if (!roles.includes(role)) continue;
    for (const link of DESK_LINKS[role]) {
      if (seen.has(link.href)) continue;
      seen.add(link.href);
      links.push({ href: link.href, label: link.label, current: false });
    }
  }
  const path = currentPath.split('?')[0];
  const current = links
    .filter((link) => path === link.href || path.startsWith(`${link.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0];
  if (current) current.current = true;
  return links;
}

/** The home page's groups: one per role the person holds, with what each link is for. */
export function deskHomeSections(roles: readonly string[]): { role: Role; links: DeskLink[] }[] {
  return ROLE_ORDER.filter((role) => roles.includes(role)).map((role) => ({
    role,
    links: [...DESK_LINKS[role]],
  }));
}
