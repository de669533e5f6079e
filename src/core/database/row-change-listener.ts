import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config.js';

/** The channels the RowChangeNotify migration's triggers notify, each with the id of the row that changed. */
export const CHANGE_CHANNELS = {
  /** An article row, or what its GET /articles/:id shows (an attested review of it): the article id. */
  articles: 'articles_changed',
  /** A user row (token version, active, roles, name, e-mail): the user id. */
  users: 'users_changed',
  /** A desk session ended, or its expiry or token version changed (migration DeskCacheNotify): its id hash. */
  deskSessions: 'desk_sessions_changed',
  /** An assignment, review decision, sign-off or comment of an article (DeskCacheNotify): the article id. */
  reviewState: 'review_state_changed',
} as const;
export type ChangeChannel = (typeof CHANGE_CHANNELS)[keyof typeof CHANGE_CHANNELS];

/** What a cache does when it hears a change, and when it can no longer hear them. */
export interface ChangeSubscriber {
  /** The row with this id changed (committed), in this process or any other. */
  changed(id: string): void;
  /** Changes may have been missed (the listening connection dropped, or it just started): forget everything. */
  reset(): void;
  /**
   * This process is changing the row inside a transaction (its notification comes at commit): drop it and store
   * nothing of it until then. Without it, `changed` is called.
   */
  changing?(id: string): void;
}

const RECONNECT_MS = 1000;

/**
 * One LISTEN connection per process for the row-change channels, shared by the in-memory caches of the API
 * (the article read cache, the callers of the auth guard). PostgreSQL notifies at commit, whichever process
 * or path wrote the row. While the connection is down `listening` is false and subscribers have been reset:
 * a cache must then serve nothing from memory, since it could have missed a change.
 */
@Injectable()
export class RowChangeListener implements OnApplicationShutdown {
  private readonly logger = new Logger('RowChangeListener');
  private readonly subscribers = new Map<ChangeChannel, ChangeSubscriber[]>();
  private client?: Client;
  private starting?: Promise<void>;
  private closed = false;
  listening = false;

  constructor(private readonly config: AppConfig) {}

  subscribe(channel: ChangeChannel, subscriber: ChangeSubscriber): void {
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber]);
  }

  /**
   * This process is writing a row that `channel`'s trigger will notify at commit: every subscriber drops it now
   * (`changing`), so this process's own next read does not answer from memory with the row as it was. `id`
   * undefined: the row is not known, every subscriber of the channel forgets everything. `except` has done it.
   */
  changing(channel: ChangeChannel, id: string | undefined, except?: ChangeSubscriber): void {
    for (const subscriber of this.subscribers.get(channel) ?? []) {
      if (subscriber === except) continue;
      if (id === undefined) subscriber.reset();
      else if (subscriber.changing) subscriber.changing(id);
      else subscriber.changed(id);
    }
  }

  /** Starts listening (once, by whichever cache needs it first); until then `listening` is false. */
  start(): Promise<void> {
    this.starting ??= this.listen().catch((error: Error) => this.retryLater(error));
    return this.starting;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  private resetAll(): void {
    for (const list of this.subscribers.values()) for (const subscriber of list) subscriber.reset();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.env.DATABASE_URL });
    this.client = client;
    client.on('notification', (message) => {
      const id = message.payload;
      for (const subscriber of this.subscribers.get(message.channel as ChangeChannel) ?? []) {
        if (id) subscriber.changed(id);
        else subscriber.reset();
      }
    });
    client.on('error', (error) => this.retryLater(error));
    client.on('end', () => this.retryLater(new Error('connection ended')));
    await client.connect();
    for (const channel of Object.values(CHANGE_CHANNELS)) await client.query(`LISTEN ${channel}`);
    if (this.closed) return;
    this.resetAll();
    this.listening = true;
  }

  private retryLater(error: Error): void {
    const wasListening = this.listening;
    this.listening = false;
    this.resetAll();
    if (this.closed) return;
    if (wasListening) this.logger.warn(`stopped caching reads (${error.message}); reconnecting`);
    const client = this.client;
    this.client = undefined;
    if (!client) return; // a reconnect is already scheduled
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    setTimeout(() => {
      if (this.closed || this.client) return;
      this.listen().catch((failure: Error) => this.retryLater(failure));
    }, RECONNECT_MS).unref();
  }
}
