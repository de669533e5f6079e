/** Every action the audit trail records, by module. A new kind of event is added here first. */
export const AUDIT_ACTIONS = [
  // articles
  'article.created',
  'article.edited',
  'article.submitted',
  'article.withdrawn',
  'article.status_changed',
  'article.signed',
  'comment.created',
  'comment.resolved',
  // reviews
  'assignment.created',
  'assignment.accepted',
  'assignment.declined',
  'assignment.completed',
  'assignment.cancelled',
  'review.approved',
  'review.changes_requested',
  'review.reminder_sent',
  'review.re_review_unassigned',
  // sign-offs
  'sign_off.created',
  // scheduling
  'review_policy.article_changed',
  'review_policy.specialty_changed',
  'review_policy.specialty_removed',
  // publishing
  'article.published',
  'article.rerendered',
  'article.unpublished',
  'article.publish_scheduled',
  'article.scheduled_publish_cancelled',
  'article.scheduled_publish_refused',
  'publishing.exported',
  // notifications
  'email.retried',
  'email.marked_sent',
  // users
  'user.created',
  'user.deactivated',
  'user.roles_changed',
  'reviewer_licence.expiry_notice_sent',
  'reviewer_profile.created',
  'reviewer_profile.updated',
  'user.invitation_sent',
  'user.invitation_accepted',
  'user.password_changed',
  'user.password_reset_requested',
  'user.password_reset',
  'user.sessions_revoked',
  // auth and the desk's sessions
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.login_limited',
  'auth.signing_password_wrong',
  'auth.current_password_wrong',
  'auth.reauth_limited',
  'auth.reset_limited',
  'auth.session_started',
  'auth.logged_out',
  // imports
  'review.attested',
  'article.approved_by_attested_review',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
