import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../core/config/app-config.js';
import type { EncodedPage } from './encoded-page.js';

export type CachedPage = EncodedPage;

/** Pages kept in memory; the oldest goes first beyond this (about 25 kB each plus ~8 kB compressed: some 33 MB). */
const MAX_PAGES = 1000;
/** A backstop: even with every notification heard, nothing is kept longer than this. */
const MAX_AGE_MS = 60_000;
const CHANNEL = 'published_pages_changed';
const RECONNECT_MS = 1000;

/**
 * Live article pages kept in memory by the processes that serve them. A trigger on published_pages notifies
 * every listener at commit with the slug that changed (see migration PublicPageNotify), whichever process
 * wrote it; that slug is dropped here. While the listening connection is down nothing is cached, so a page is
 * never served from memory after a change this process could have missed.
 *
 * The listings (index pages, sitemap) are kept here too, under keys of their own; any change to any page drops
 * them all, since a title, a new page or an unpublish changes them.
 */
@Injectable()
export class PublicPageCache implements OnApplicationShutdown {
  private readonly logger = new Logger('PublicPageCache');
  private readonly pages = new Map<string, CachedPage & { storedAt: number }>();
  private readonly listings = new Map<string, CachedPage & { storedAt: number }>();
  private client?: Client;
  private listening = false;
  private closed = false;
  /** Bumped by every drop: a page read before a drop is not stored after it. */
  private generation = 0;

  constructor(private readonly config: AppConfig) {}

  /** Starts listening (by the route that serves from the cache): until it is called nothing is cached. */
  async start(): Promise<void> {
    await this.listen().catch((error: Error) => this.retryLater(error));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  /** The page when it is in memory and fresh. */
  get(slug: string): CachedPage | undefined {
    if (!this.listening) return undefined;
    const page = this.pages.get(slug);
    if (page && Date.now() - page.storedAt > MAX_AGE_MS) {
      this.pages.delete(slug);
      return undefined;
    }
    return page;
  }

  /** A listing (`index:<page>`, `sitemap`) when it is in memory and fresh. */
  getListing(key: string): CachedPage | undefined {
    if (!this.listening) return undefined;
    const listing = this.listings.get(key);
    if (listing && Date.now() - listing.storedAt > MAX_AGE_MS) {
      this.listings.delete(key);
      return undefined;
    }
    return listing;
  }

  setListing(key: string, listing: CachedPage, ticket: number): void {
    if (!this.listening || ticket !== this.generation) return;
    if (this.listings.size >= MAX_PAGES) {
      const oldest = this.listings.keys().next().value;
      if (oldest !== undefined) this.listings.delete(oldest);
    }
    this.listings.set(key, { ...listing, storedAt: Date.now() });
  }

  /** A token to hand back to `set`: a page read from PostgreSQL after taking it may be stored. */
  ticket(): number {
    return this.generation;
  }

  set(slug: string, page: CachedPage, ticket: number): void {
    if (!this.listening || ticket !== this.generation) return;
    if (this.pages.size >= MAX_PAGES) {
      const oldest = this.pages.keys().next().value;
      if (oldest !== undefined) this.pages.delete(oldest);
    }
    this.pages.set(slug, { ...page, storedAt: Date.now() });
  }

  private drop(slug?: string): void {
    this.generation += 1;
    this.listings.clear();
    if (slug === undefined) this.pages.clear();
    else this.pages.delete(slug);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.env.DATABASE_URL });
    this.client = client;
    client.on('notification', (message) => this.drop(message.payload ?? undefined));
    client.on('error', (error) => this.retryLater(error));
    client.on('end', () => this.retryLater(new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.drop();
    this.listening = true;
  }

  private retryLater(error: Error): void {
    const wasListening = this.listening;
    this.listening = false;
    this.drop();
    if (this.closed) return;
    if (wasListening) this.logger.warn(`stopped caching public pages (${error.message}); reconnecting`);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
    } else {
      return; // a reconnect is already scheduled
    }
    setTimeout(() => {
      if (this.closed || this.client) return;
      this.listen().catch((failure: Error) => this.retryLater(failure));
    }, RECONNECT_MS).unref();
  }
}
