import { InitialSchema1795709320875 } from '../../../migrations/1795709320875-InitialSchema.js';
import { Publishing1795712000000 } from '../../../migrations/1795712000000-Publishing.js';
import { Scheduling1795713000000 } from '../../../migrations/1795713000000-Scheduling.js';
import { PublicPageNotify1795714000000 } from '../../../migrations/1795714000000-PublicPageNotify.js';
import { Accounts1795720000000 } from '../../../migrations/1795720000000-Accounts.js';
import { Imports1795730000000 } from '../../../migrations/1795730000000-Imports.js';
import { RowChangeNotify1795735000000 } from '../../../migrations/1795735000000-RowChangeNotify.js';
import { AuditSealing1795740000000 } from '../../../migrations/1795740000000-AuditSealing.js';
import { EmailResend1795741500000 } from '../../../migrations/1795741500000-EmailResend.js';
import { DeskCacheNotify1795745000000 } from '../../../migrations/1795745000000-DeskCacheNotify.js';
import { RevisionCompression1795750000000 } from '../../../migrations/1795750000000-RevisionCompression.js';
import { PublishedPagesLz41795750500000 } from '../../../migrations/1795750500000-PublishedPagesLz4.js';
import { SearchDocumentParts1795751000000 } from '../../../migrations/1795751000000-SearchDocumentParts.js';
import { ExportWorkIndexes1795752000000 } from '../../../migrations/1795752000000-ExportWorkIndexes.js';
import { Article } from '../../articles/article.entity.js';
import { Comment } from '../../articles/comment.entity.js';
import { Revision } from '../../articles/revision.entity.js';
import { AuditCheckpoint } from '../../audit/audit-checkpoint.entity.js';
import { AuditEvent } from '../../audit/audit-event.entity.js';
import { AttestedReview } from '../../imports/attested-review.entity.js';
import { ImportedSource } from '../../imports/imported-source.entity.js';
import { EmailOutbox } from '../../notifications/email-outbox.entity.js';
import { Publication } from '../../publishing/publication.entity.js';
import { PublishedPage } from '../../publishing/published-page.entity.js';
import { ScheduledPublish } from '../../publishing/scheduled-publish.entity.js';
import { WebhookDelivery } from '../../publishing/webhook-delivery.entity.js';
import { Assignment } from '../../reviews/assignment.entity.js';
import { ReviewDecision } from '../../reviews/review-decision.entity.js';
import { ReviewSchedule } from '../../scheduling/review-schedule.entity.js';
import { SpecialtyPolicy } from '../../scheduling/specialty-policy.entity.js';
import { DeskSession } from '../../desk/desk-session.entity.js';
import { SignOff } from '../../sign-offs/sign-off.entity.js';
import { AccountToken } from '../../users/account-token.entity.js';
import { ReviewerProfile } from '../../users/reviewer-profile.entity.js';
import { User } from '../../users/user.entity.js';

/**
 * Every entity and migration, listed (not globbed): a glob is loaded with a dynamic import at connection
 * time, which breaks under test runners and bundlers. A new entity or migration is added here.
 */
export const ENTITIES = [
  User,
  ReviewerProfile,
  AuditEvent,
  AuditCheckpoint,
  Article,
  Revision,
  Comment,
  Assignment,
  ReviewDecision,
  SignOff,
  SpecialtyPolicy,
  ReviewSchedule,
  EmailOutbox,
  Publication,
  PublishedPage,
  ScheduledPublish,
  WebhookDelivery,
  AccountToken,
  DeskSession,
  AttestedReview,
  ImportedSource,
];

export const MIGRATIONS = [
  InitialSchema1795709320875,
  Publishing1795712000000,
  Scheduling1795713000000,
  PublicPageNotify1795714000000,
  Accounts1795720000000,
  Imports1795730000000,
  RowChangeNotify1795735000000,
  AuditSealing1795740000000,
  EmailResend1795741500000,
  DeskCacheNotify1795745000000,
  RevisionCompression1795750000000,
  PublishedPagesLz41795750500000,
  SearchDocumentParts1795751000000,
  ExportWorkIndexes1795752000000,
];
