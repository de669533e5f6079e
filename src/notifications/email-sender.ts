import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { DeliveryFailure } from './delivery-failure.js';
import { type ClaimedEmail, EmailOutboxRepository } from './email-outbox.repository.js';
import { EmailRenderError, EmailTemplates, type RenderedEmail } from './email-templates.js';
import { MailTransport } from './mail-transport.js';
import { whatHappensNext } from './resend-policy.js';

/** Tries at recording a delivered email as sent: 0.5 + 1 + 2 + 4 + 8 s apart at most. */
const RECORD_SENT_ATTEMPTS = 6;

export type SendOutcome = 'sent' | 'skipped' | 'unknown';

export interface SendAttempt {
  /** The job has no retry left: a retryable failure now fails the email instead. */
  lastAttempt: boolean;
}

/**
 * Sends one outbox row at most once. The row's status is the truth: only a `pending` row is sent, and it is
 * moved to `sending` (by a conditional update only one worker can win) before the SMTP conversation starts,
 * so a job that runs again for any reason finds it `sending` or `sent` and never sends it a second time.
 */
@Injectable()
export class EmailSender {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly outbox: EmailOutboxRepository,
    private readonly templates: EmailTemplates,
    private readonly transport: MailTransport,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Delivers the row. Throws to make BullMQ retry (the row is back to `pending`), or an UnrecoverableError when
   * the row is now `failed` or `unknown` and must not be retried.
   */
  async send(outboxId: string, attempt: SendAttempt = { lastAttempt: false }): Promise<SendOutcome> {
    // The claim reads the row too: one statement on the usual path. Only a row that was not pending is read.
    const row = await this.outbox.claimForSending(outboxId, this.clock.now());
    if (!row) return this.notClaimed(outboxId);
    // The row's own Message-ID, the same on every attempt: a copy sent again is the same message.
    const { messageId } = row;

    let rendered: RenderedEmail;
    try {
      rendered = this.templates.render(row.template, row.context);
    } catch (error) {
      if (!(error instanceof EmailRenderError)) {
        await this.outbox.releaseForRetry(row.id, (error as Error).message);
        throw error;
      }
      await this.outbox.markFailed(row.id, ['sending'], error.message);
      throw new UnrecoverableError(error.message);
    }

    try {
      await this.transport.send({ outboxId: row.id, messageId, to: row.toAddress, ...rendered });
    } catch (error) {
      throw await this.recordFailure(row, error, attempt);
    }
    await this.recordSent(row.id);
    return 'sent';
  }

  /**
   * The server has the message: recording that must not be lost to a brief database outage, or the row would
   * end `unknown` for a person to check. A few tries over about 15 s, then the job's own retry takes over.
   */
  private async recordSent(id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.outbox.markDelivered(id, this.clock.now());
        return;
      } catch (error) {
        if (attempt >= RECORD_SENT_ATTEMPTS) throw error;
        this.logger.warn(
          `email ${id} was delivered but not yet recorded (${(error as Error).message}); trying again`,
        );
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
      }
    }
  }

  /** Why a row could not be claimed: gone or finished (skip), or left `sending` by an attempt that died. */
  private async notClaimed(outboxId: string): Promise<SendOutcome> {
    const row = await this.outbox.findById(outboxId);
    if (row?.status !== 'sending') return 'skipped';
    // An earlier attempt died between claiming the row and recording the result.
    await this.outbox.markUnknown(
      row.id,
      ['sending'],
      `An earlier attempt stopped while sending; the email may have been delivered. ` +
        whatHappensNext(
          row,
          row.messageId ?? this.outbox.messageIdOf(row.id),
          this.config.env.EMAIL_RESEND_GRACE,
        ),
    );
    return 'unknown';
  }

  private async recordFailure(row: ClaimedEmail, error: unknown, attempt: SendAttempt): Promise<Error> {
    const { id, attempts } = row;
    const failure =
      error instanceof DeliveryFailure ? error : new DeliveryFailure('retry', (error as Error).message);
    switch (failure.kind) {
      case 'retry':
        if (attempt.lastAttempt) {
          const reason = `Gave up after ${attempts} attempts; last error: ${failure.message}`;
          await this.outbox.markFailed(id, ['sending'], reason);
          this.logger.warn(`email ${id} failed: ${reason}`);
          return new UnrecoverableError(reason);
        }
        await this.outbox.releaseForRetry(id, failure.message);
        return failure;
      case 'permanent':
        await this.outbox.markFailed(id, ['sending'], failure.message);
        this.logger.warn(`email ${id} failed: ${failure.message}`);
        return new UnrecoverableError(failure.message);
      case 'unknown': {
        const reason =
          `Delivery outcome unknown: the connection broke after the message was handed over (${failure.message}). ` +
          whatHappensNext(row, row.messageId, this.config.env.EMAIL_RESEND_GRACE);
        await this.outbox.markUnknown(id, ['sending'], reason);
        this.logger.warn(`email ${id}: ${reason}`);
        return new UnrecoverableError(reason);
      }
    }
  }
}
