import type { AppConfig } from '../core/config/app-config.js';
import { EMAIL_TEMPLATE_KEYS, EMAIL_TEMPLATES, EmailRenderError, EmailTemplates } from './email-templates.js';

const contexts: Record<string, Record<string, unknown>> = {
  'review-requested': {
    recipientName: 'Alan Lucks',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    reviewerName: 'Alan Lucks',
    dueDateText: 'March 9th, 2026',
    reviewUrl: 'https://reviews.example.org/assignments/1',
  },
  'review-declined': {
    recipientName: 'Erin Editor',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    reviewerName: 'Alan Lucks',
    reason: '',
    articleUrl: 'https://reviews.example.org/articles/1',
  },
  'changes-requested': {
    recipientName: 'Wendy Writer',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    reviewerName: 'Alan Lucks',
    comments: 'Cite the 2024 guideline.',
    articleUrl: 'https://reviews.example.org/articles/1',
  },
  approved: {
    recipientName: 'Wendy Writer',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    reviewerName: 'Alan Lucks',
    byline: 'Medically reviewed by Alan Lucks, MD on January 10th, 2026',
    articleUrl: 'https://reviews.example.org/articles/1',
  },
  'ready-to-publish': {
    recipientName: 'Paula Publisher',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    reviewerName: 'Alan Lucks',
    byline: 'Medically reviewed by Alan Lucks, MD on January 10th, 2026',
    publishUrl: 'https://reviews.example.org/desk/publisher/articles/1',
  },
  'review-reminder': {
    recipientName: 'Alan Lucks',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    dueDateText: 'January 10th, 2027',
    daysText: '3 days ago',
    overdue: true,
    changes: [],
    reviewUrl: 'https://reviews.example.org/articles/1/review',
  },
  'overdue-escalation': {
    recipientName: 'Erin Editor',
    articleTitle: 'Is Baclofen a Benzodiazepine?',
    reviewerName: 'Alan Lucks',
    dueDateText: 'January 10th, 2027',
    daysOverdue: 14,
    reviewUrl: 'https://reviews.example.org/articles/1/review',
  },
  digest: {
    recipientName: 'Erin Editor',
    dateText: 'March 2nd, 2026',
    overdue: [
      {
        title: 'Is Baclofen a Benzodiazepine?',
        reviewerName: 'Alan Lucks',
        dueDateText: 'February 1st, 2026',
        daysOverdue: 29,
        url: 'https://reviews.example.org/articles/1',
      },
    ],
    dueSoon: [],
  },
  invitation: {
    recipientName: 'Alan Lucks',
    inviterName: 'Ada Admin',
    roles: 'reviewer',
    siteName: 'Health Library',
    setupUrl: 'https://reviews.example.org/desk/account/setup?token=abc',
    expiresText: 'March 5, 2026 at 9:00 AM EST',
  },
  'password-reset': {
    recipientName: 'Alan Lucks',
    resetUrl: 'https://reviews.example.org/desk/account/reset?token=abc',
    expiresText: 'March 2, 2026 at 10:00 AM EST',
  },
  'licence-expiry': {
    recipientName: 'Ada Admin',
    forPhysician: false,
    physicianName: 'Alan Lucks',
    licenseNumber: 'NY-209431',
    licenseRegion: 'US-NY',
    expiresText: 'June 30th, 2027',
    daysText: '60 days',
    profileUrl: 'https://reviews.example.org/desk/admin/licences/1',
  },
};

describe('EmailTemplates', () => {
  const templates = new EmailTemplates({ env: { TEMPLATES_DIR: 'templates' } } as AppConfig);

  it.each(EMAIL_TEMPLATES)('renders %s from the context keys it declares', (template) => {
    const context = contexts[template];
    expect(Object.keys(context).sort()).toEqual([...EMAIL_TEMPLATE_KEYS[template]].sort());
    const email = templates.render(template, context);
    expect(email.subject).not.toMatch(/\n/);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.text).toContain(String(context.recipientName));
    expect(email.html).toMatch(/^<!DOCTYPE html>/);
    expect(email.html).toContain(String(context.recipientName));
  });

  it('renders each branch of a template: overdue reminders and empty digests say so', () => {
    const reminder = templates.render('review-reminder', contexts['review-reminder']);
    expect(reminder.subject).toBe('Overdue: re-review of "Is Baclofen a Benzodiazepine?" was due 3 days ago');
    expect(reminder.text).toContain('No changes since your last sign-off.');

    const digest = templates.render('digest', contexts.digest);
    expect(digest.subject).toBe('Review digest for March 2nd, 2026: 1 overdue, 0 due soon');
    expect(digest.text).toContain(
      '- Is Baclofen a Benzodiazepine? — Alan Lucks, was due February 1st, 2026; days overdue: 29',
    );
    expect(digest.text).toContain('No reviews are due soon.');

    const toAdmin = templates.render('licence-expiry', contexts['licence-expiry']);
    expect(toAdmin.subject).toBe('Licence of Alan Lucks expires in 60 days');
    const toPhysician = templates.render('licence-expiry', {
      ...contexts['licence-expiry'],
      recipientName: 'Alan Lucks',
      forPhysician: true,
    });
    expect(toPhysician.subject).toBe('Your medical licence NY-209431 expires in 60 days');
    expect(toPhysician.text).toContain('you can no longer sign medical reviews');

    const declined = templates.render('review-declined', contexts['review-declined']);
    expect(declined.text).toContain('No reason was given.');
  });

  it('escapes HTML in the HTML part only, and keeps the subject on one line', () => {
    const email = templates.render('changes-requested', {
      ...contexts['changes-requested'],
      articleTitle: 'A <b>bold</b>\r\nBcc: victim@example.org',
      comments: '<img src=x onerror=alert(1)>',
    });
    expect(email.subject).toBe('Changes requested: A <b>bold</b> Bcc: victim@example.org');
    expect(email.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(email.html).not.toContain('<img');
    expect(email.text).toContain('<img src=x onerror=alert(1)>');
  });

  it('refuses a context without a key the template needs, even one read only inside {{#if}}', () => {
    const { reason: _reason, ...withoutReason } = contexts['review-declined'];
    expect(() => templates.render('review-declined', withoutReason)).toThrow(
      new EmailRenderError('Email template "review-declined" needs context keys that are missing: reason'),
    );
  });

  it('refuses a list item without a field the template reads (strict mode)', () => {
    expect(() =>
      templates.render('review-reminder', { ...contexts['review-reminder'], changes: [{ field: 'FAQ' }] }),
    ).toThrow(EmailRenderError);
  });

  it('refuses a template that does not exist', () => {
    expect(() => templates.render('../../etc/passwd', {})).toThrow(EmailRenderError);
  });

  it('stops the start when a template file is missing', () => {
    expect(
      () => new EmailTemplates({ env: { TEMPLATES_DIR: 'no-such-templates-dir' } } as AppConfig),
    ).toThrow(/cannot be read/);
  });
});
