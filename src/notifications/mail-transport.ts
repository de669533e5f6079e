import { Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { AppConfig } from '../core/config/app-config.js';
import { classifyDeliveryError, DeliveryFailure } from './delivery-failure.js';

export interface MailMessage {
  outboxId: string;
  /** Deterministic `<outboxId@host>`, so a person can find the message in the mail server's log. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where emails go: an SMTP server, or `.eml` files when none is configured. */
export abstract class MailTransport implements OnApplicationShutdown {
  /** Delivers the message or throws a DeliveryFailure saying whether to retry. */
  abstract send(message: MailMessage): Promise<void>;

  abstract onApplicationShutdown(): Promise<void>;
}

function mailOptions(config: AppConfig, message: MailMessage): SendMailOptions {
  return {
    from: config.env.MAIL_FROM,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/** Records whether the SMTP connection read the message to its end, i.e. handed all of it to the server. */
interface Handover {
  stream?: Readable;
}

/**
 * SMTP over a small pool of connections. Nothing connects at start-up: the first email opens the pool (and a
 * server that is down then is an ordinary retryable failure).
 */
export class SmtpMailTransport extends MailTransport {
  private readonly logger = new Logger('Mail');
  private readonly transporter: Transporter;
  private verified?: Promise<unknown>;
  /** Per Message-ID of a send in flight. */
  private readonly handovers = new Map<string, Handover>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly config: AppConfig) {
    super();
    this.transporter = nodemailer.createTransport({
      url: config.env.SMTP_URL,
      pool: true,
      maxConnections: 3,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
    });
    // Keep the message's final stream: the SMTP connection starts reading it only once the server has accepted
    // DATA, and has read it to the end (readableEnded) once all of it, up to the closing dot, went to the server.
    this.transporter.use('stream', (mail, done) => {
      const handover = this.handovers.get(String(mail.data.messageId));
      if (handover) {
        mail.message.processFunc((stream) => {
          handover.stream = stream;
          return stream;
        });
      }
      done();
    });
  }

  async send(message: MailMessage): Promise<void> {
    await this.verifyOnce();
    const handover: Handover = {};
    this.handovers.set(message.messageId, handover);
    const sending = this.transporter.sendMail(mailOptions(this.config, message));
    this.inFlight.add(sending);
    try {
      await sending;
    } catch (error) {
      throw classifyDeliveryError(error, handover.stream?.readableEnded === true);
    } finally {
      this.inFlight.delete(sending);
      this.handovers.delete(message.messageId);
    }
  }

  /** Checks the server and credentials before the first email of this process, and again after a failure. */
  private async verifyOnce(): Promise<void> {
    this.verified ??= this.transporter.verify();
    try {
      await this.verified;
    } catch (error) {
      this.verified = undefined;
      this.logger.warn(`SMTP server check failed: ${(error as Error).message}`);
      throw classifyDeliveryError(error, false);
    }
  }

  /** Lets the sends in flight finish (their outcome is recorded), then closes the pool. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.transporter.close();
  }
}

/** Without SMTP: each email becomes `<MAIL_DIR>/<outboxId>.eml`, written whole (temp file, then rename). */
export class EmlDirectoryTransport extends MailTransport {
  private readonly transporter = nodemailer.createTransport({ streamTransport: true, buffer: true });

  constructor(private readonly config: AppConfig) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    const directory = this.config.env.MAIL_DIR;
    const file = join(directory, `${message.outboxId}.eml`);
    const temporary = join(directory, `.${message.outboxId}.eml.tmp`);
    try {
      const info = await this.transporter.sendMail(mailOptions(this.config, message));
      await mkdir(directory, { recursive: true });
      await writeFile(temporary, info.message);
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new DeliveryFailure('retry', `cannot write ${file}: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): Promise<void> {
    this.transporter.close();
    return Promise.resolve();
  }
}

export const mailTransportProvider: Provider = {
  provide: MailTransport,
  inject: [AppConfig],
  useFactory: (config: AppConfig): MailTransport =>
    config.env.SMTP_URL ? new SmtpMailTransport(config) : new EmlDirectoryTransport(config),
};
