import type { Role } from '../../src/users/user.entity.js';

/**
 * Who may call what: the product's decision, written once. The authorisation matrix checks every route the
 * service serves against this table, so a new endpoint cannot ship without an entry here (and an entry whose
 * route is gone fails too).
 *
 * Sources: the roles table of the design (writer drafts, reviewer reviews, editor assigns and sets policy,
 * publisher publishes, admin manages users and targets) and the "(roles: …)" of each operation's summary.
 * 'signed-in' means every role; 'public' means no token is needed at all.
 */
export type Caller = Role | 'anonymous';
export type Access = 'public' | 'signed-in' | readonly Role[];

export const CALLERS: readonly Caller[] = ['anonymous', 'writer', 'reviewer', 'editor', 'publisher', 'admin'];

/** Keyed by `METHOD /path` exactly as the OpenAPI document spells the path. */
export const ACCESS_POLICY: Readonly<Record<string, Access>> = {
  // Sign-in and operations.
  'POST /auth/login': 'public',
  'GET /health': 'public',

  // People own their accounts: the links e-mailed to them work without a token; changing one's own password
  // needs one's own token.
  'POST /auth/invitations/accept': 'public',
  'POST /auth/password': 'signed-in',
  'POST /auth/password-reset': 'public',
  'POST /auth/password-reset/confirm': 'public',

  // Users: only admins manage accounts and reviewer credentials.
  'POST /users': ['admin'],
  'GET /users': ['admin'],
  'POST /users/{id}/invitations': ['admin'],
  'POST /users/{id}/deactivate': ['admin'],
  'PUT /users/{id}/roles': ['admin'],
  'PUT /users/{id}/reviewer-profile': ['admin'],

  // The audit trail: editors (who run the desk) and admins.
  'GET /audit': ['editor', 'admin'],
  'GET /audit/verify': ['editor', 'admin'],

  // Drafting. Reading is open to the whole (signed-in) editorial team; writers create; writers change their
  // own articles and editors any (the per-article half is checked by the object-level spec).
  'POST /articles': ['writer'],
  'GET /articles': 'signed-in',
  'GET /articles/{id}': 'signed-in',
  'PATCH /articles/{id}': ['writer', 'editor'],
  'POST /articles/{id}/submit': ['writer', 'editor'],
  'POST /articles/{id}/withdraw': ['writer', 'editor'],
  'GET /articles/{id}/revisions': 'signed-in',
  'GET /articles/{id}/revisions/{number}': 'signed-in',
  'GET /articles/{id}/diff': 'signed-in',
  'GET /articles/{id}/preview': 'signed-in',

  // Comment threads: anyone on the team may comment and read; resolving is checked per comment.
  'POST /articles/{id}/comments': 'signed-in',
  'GET /articles/{id}/comments': 'signed-in',
  'POST /articles/{id}/comments/{commentId}/resolve': 'signed-in',

  // Review: editors assign; only reviewers respond and decide (and only on their own assignments).
  'POST /articles/{id}/assignments': ['editor'],
  'GET /assignments': ['reviewer', 'editor', 'admin'],
  'POST /assignments/{id}/accept': ['reviewer'],
  'POST /assignments/{id}/decline': ['reviewer'],
  'POST /articles/{id}/reviews': ['reviewer'],
  'GET /articles/{id}/reviews': 'signed-in',
  'GET /articles/{id}/sign-offs': 'signed-in',
  'GET /articles/{id}/sign-offs/{signOffId}/verify': 'signed-in',

  // Imports: admins and editors move a site in; its attested reviews are read like sign-offs.
  'POST /imports': ['admin', 'editor'],
  'GET /articles/{id}/attested-reviews': 'signed-in',
  'GET /articles/{id}/attested-reviews/{reviewId}/verify': 'signed-in',

  // Re-review policy and the overdue list: editors set policy; admins may look.
  'PUT /articles/{id}/review-policy': ['editor'],
  'GET /review-policies': ['editor', 'admin'],
  'PUT /review-policies/{specialty}': ['editor'],
  'DELETE /review-policies/{specialty}': ['editor'],
  'GET /re-reviews': ['editor', 'admin'],
  // The physician who signed last starts his re-review early (EarlyReReviewService checks it is he).
  'POST /articles/{id}/re-review': ['reviewer'],

  // Publishing: only publishers change what is live; editors and admins may see the history and schedule.
  'POST /articles/{id}/publish': ['publisher'],
  'GET /articles/{id}/scheduled-publish': ['publisher', 'editor', 'admin'],
  'DELETE /articles/{id}/scheduled-publish': ['publisher'],
  'POST /articles/{id}/unpublish': ['publisher'],
  'GET /articles/{id}/publications': ['publisher', 'editor', 'admin'],
  'POST /publishing/exports': ['admin', 'publisher'],
  'GET /publishing/exports/{jobId}': ['admin', 'publisher'],

  // The email outbox: admins only.
  'GET /admin/emails': ['admin'],
  'POST /admin/emails/{id}/retry': ['admin'],
  'POST /admin/emails/{id}/mark-sent': ['admin'],

  // The published site: no login.
  'GET /public': 'public',
  'GET /public/articles': 'public',
  'GET /public/sitemap.xml': 'public',
  'GET /public/sitemap-{n}.xml': 'public',
  'GET /public/articles/{slug}': 'public',
  'GET /public/reviewers/{id}': 'public',
};

/**
 * Served routes that are not in the OpenAPI document, by path prefix. Every route the HTTP server has must be
 * in the OpenAPI document or under one of these.
 */
export const UNDOCUMENTED_ROUTES: readonly { prefix: string; access: Access; why: string }[] = [
  {
    prefix: '/admin/queues',
    access: ['admin'],
    why: 'bull-board queue dashboard (plain Fastify routes behind their own admin hook)',
  },
  {
    prefix: '/desk',
    access: 'public',
    why:
      'the server-rendered desk pages (src/desk): no bearer token; each page checks its own session cookie and ' +
      'sends a browser without one to /desk/login (303), and every POST needs the CSRF token of its form',
  },
  {
    prefix: '/docs',
    access: 'public',
    why: 'the OpenAPI document and Swagger UI (the API description is public)',
  },
];

/**
 * Object-level rules (checked by object-level.security-spec.ts), as the product decided them in src/:
 * - a writer edits, submits and withdraws only their own articles (editors: any);
 * - comment threads of any article are readable by every signed-in user (the editorial desk is shared); a
 *   comment is resolved only by its author, the article's author or an editor;
 * - a reviewer accepts, declines and decides only on their own assignment; an author never reviews their own
 *   article, even with the reviewer role.
 */
export const COMMENTS_READABLE_BY_ANY_SIGNED_IN_USER = true;

export function allows(access: Access, caller: Caller): boolean {
  if (access === 'public') return true;
  if (caller === 'anonymous') return false;
  return access === 'signed-in' || access.includes(caller);
}

export function describeAccess(access: Access): string {
  return typeof access === 'string' ? access : access.join('|');
}

/**
 * The review desk's pages (src/desk/review-pages.controller.ts), by `METHOD path` as Fastify serves them. They are
 * under the '/desk' prefix above (no bearer token); this says who may use each once signed in. Without a session
 * every GET answers 303 to /desk/login?next=<the page> and every POST 403 (no CSRF token can exist), which
 * desk.security-spec.ts checks for every route here; it also checks that every served /desk/reviews… and
 * /desk/articles… route is in this table.
 */
export const DESK_REVIEW_PAGES: Readonly<Record<string, string>> = {
  'GET /desk/reviews': 'signed-in: their own reviews',
  'GET /desk/reviews/{id}': 'the assigned reviewer; anyone else is sent to the article page',
  'POST /desk/reviews/{id}/accept': 'the assigned reviewer (AssignmentsService)',
  'POST /desk/reviews/{id}/decline': 'the assigned reviewer (AssignmentsService)',
  'POST /desk/reviews/{id}/comments': 'the assigned reviewer',
  'POST /desk/reviews/{id}/request-changes': 'the assigned reviewer (DecisionsService)',
  'POST /desk/reviews/{id}/sign': 'the assigned reviewer, with their password (DecisionsService)',
  'GET /desk/reviews/{id}/receipt/{signOffId}': 'the reviewer who signed',
  'GET /desk/articles/{id}': "the writer, editors, publishers, admins and the article's reviewers",
  'GET /desk/articles/{id}/re-review': "as the article page; the reviewer's open review if he has one",
  'POST /desk/articles/{id}/re-review': 'the physician who signed last (EarlyReReviewService)',
  'GET /desk/articles/{id}/sign-offs/{signOffId}/verify': 'as the article page',
};

/**
 * The editor's and the publisher's pages (src/desk/office-pages.controller.ts, issue 14), by `METHOD path` as
 * Fastify serves them: the roles that may use each once signed in (the same roles the JSON API asks for). Any
 * other signed-in person gets 403; without a session a GET goes to /desk/login and a POST is 403 (no CSRF token).
 * test/newsroom-office.e2e-spec.ts checks every route here, and that every served /desk/editor… and
 * /desk/publisher… route is in this table.
 */
export const DESK_OFFICE_PAGES: Readonly<Record<string, readonly Role[]>> = {
  'GET /desk/editor': ['editor'],
  'GET /desk/editor/articles/{id}/assign': ['editor'],
  'POST /desk/editor/articles/{id}/assign': ['editor'],
  'GET /desk/editor/policies': ['editor'],
  'POST /desk/editor/policies': ['editor'],
  'POST /desk/editor/policies/{specialty}/remove': ['editor'],
  'GET /desk/editor/articles/{id}/timeline': ['editor', 'admin'],
  'GET /desk/publisher': ['publisher'],
  'GET /desk/publisher/articles/{id}': ['publisher'],
  'POST /desk/publisher/articles/{id}/publish': ['publisher'],
  'POST /desk/publisher/articles/{id}/schedule': ['publisher'],
  'POST /desk/publisher/articles/{id}/cancel-schedule': ['publisher'],
  'POST /desk/publisher/articles/{id}/unpublish': ['publisher'],
  'GET /desk/publisher/live': ['publisher'],
  'GET /desk/publisher/exports': ['publisher', 'admin'],
  'POST /desk/publisher/exports': ['publisher', 'admin'],
};

/**
 * The writer's pages (src/desk/write-pages.controller.ts), by `METHOD path` as Fastify serves them, under the
 * '/desk' prefix above. Who may use each once signed in: 'author' is the article's own writer; the rules are the
 * JSON API's (POST /articles: writers; PATCH, submit and withdraw: the author or any editor), applied by the same
 * services. Without a session every GET answers 303 to /desk/login?next=<the page> and every POST 403.
 * desk-write.security-spec.ts checks every route here for every caller, and that every served /desk/write… route
 * is in this table.
 */
export const DESK_WRITE_PAGES: Readonly<Record<string, readonly ('signed-in' | 'author' | Role)[]>> = {
  'GET /desk/write': ['signed-in'],
  'GET /desk/write/new': ['writer'],
  'POST /desk/write': ['writer'],
  'GET /desk/write/{id}': ['author', 'editor'],
  'POST /desk/write/{id}': ['author', 'editor'],
  'POST /desk/write/{id}/submit': ['author', 'editor'],
  'POST /desk/write/{id}/withdraw': ['author', 'editor'],
  'GET /desk/write/{id}/preview': ['author', 'editor'],
};

/**
 * The admin's desk pages (src/desk/admin/admin-pages.controller.ts), by `METHOD path` as Fastify serves them, under
 * the '/desk' prefix above. Every one is for admins only: any other signed-in person gets 403 and nothing is
 * written; without a session every GET answers 303 to /desk/login?next=<the page> and every POST 403.
 * test/newsroom-admin.e2e-spec.ts checks each route here, and that every served /desk/admin… route is listed.
 * The queue dashboard ('/admin/queues' above) also opens with an admin's desk session (and refuses any other).
 */
export const DESK_ADMIN_PAGES: Readonly<Record<string, string>> = {
  'GET /desk/admin': 'admin: overview',
  'GET /desk/admin/people': 'admin: everyone, and the invitation form',
  'POST /desk/admin/people': 'admin: invite (UsersService.create, as POST /users)',
  'GET /desk/admin/people/{id}': 'admin: one person',
  'POST /desk/admin/people/{id}/roles':
    'admin: change roles (UsersService.changeRoles, as PUT /users/{id}/roles)',
  'POST /desk/admin/people/{id}/invitation':
    'admin: re-send the invitation (as POST /users/{id}/invitations)',
  'POST /desk/admin/people/{id}/deactivate': 'admin: deactivate (as POST /users/{id}/deactivate)',
  'GET /desk/admin/licences': 'admin: reviewer profiles and licence expiry',
  'GET /desk/admin/licences/{id}': "admin: one physician's profile form",
  'POST /desk/admin/licences/{id}': 'admin: save the profile (as PUT /users/{id}/reviewer-profile)',
  'GET /desk/admin/emails': 'admin: the outbox (as GET /admin/emails)',
  'POST /desk/admin/emails/{id}/retry': 'admin: retry (as POST /admin/emails/{id}/retry)',
  'POST /desk/admin/emails/{id}/mark-sent': 'admin: mark sent (as POST /admin/emails/{id}/mark-sent)',
  'GET /desk/admin/audit': 'admin: audit-chain verification (as GET /audit/verify)',
};
