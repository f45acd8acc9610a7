import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { RUNTIME_ROLE } from './roles.js';

/** What a subscriber hears: every payload on its channel, and every loss of the feed. */
export interface NotifySubscriber {
  /** A NOTIFY on the channel, as sent (delivered in commit order). */
  notified(payload: string): void;
  /**
   * The feed was lost (connection error, database restart) or is back after a loss: any state
   * derived from earlier notifications is no longer complete and must be dropped. Called on loss
   * and again after the LISTEN is in place, before `live` turns true.
   */
  reset(): void;
}

const HEARTBEAT_MS = 10_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN connection per instance (outside the request pool, as the restricted runtime role):
 * PostgreSQL's NOTIFY fan-out to every instance, used to invalidate caches at once. `live` is
 * true only while the LISTEN is known to be in place; whoever trusts a cache because of this
 * feed must check it (a notification sent while we were not listening is gone for good). The
 * connection reconnects with a backoff; a heartbeat notices a connection that died silently.
 *
 * Written over `pg` rather than a LISTEN library (pg-listen, last released 2021, wraps the same
 * client): reconnect, heartbeat and the reset callback are what we need and fit in this file.
 */
@Injectable()
export class NotifyListener implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('NotifyListener');
  private readonly subscribers = new Map<string, Set<NotifySubscriber>>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private backoffMs = RECONNECT_MIN_MS;
  private stopped = false;
  private isLive = false;
  /** Times the feed was established; tests wait for it to move. */
  private connects = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: ResolvedConfig) {}

  /** True while notifications on every subscribed channel are being received. */
  get live(): boolean {
    return this.isLive;
  }

  get connections(): number {
    return this.connects;
  }

  /**
   * Subscribes to a channel (names are fixed identifiers of ours). Subscribe before the app
   * starts (a provider's constructor or onModuleInit): channels are LISTENed to on connect.
   */
  subscribe(channel: string, subscriber: NotifySubscriber): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    let set = this.subscribers.get(channel);
    if (!set) this.subscribers.set(channel, (set = new Set()));
    set.add(subscriber);
    if (this.client && this.isLive) {
      // A late subscriber: LISTEN on the live connection; until then it is not live for it.
      this.lost(new Error('a channel was added'));
    }
  }

  async onModuleInit(): Promise<void> {
    // Start-up does not wait on a failure: until the feed is live, caches are not trusted.
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.isLive = false;
    this.resetAll();
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.config.databaseAppUrl ?? this.config.databaseUrl,
      // As the request pool: never the owner (see runtimeDataSourceOptions).
      ...(this.config.databaseAppUrl ? {} : { options: `-c role=${RUNTIME_ROLE}` }),
      application_name: 'lockdesk-listener',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
    });
    client.on('error', (err) => this.lost(err, client));
    client.on('end', () => this.lost(new Error('connection ended'), client));
    client.on('notification', (msg) => {
      if (client !== this.client || msg.payload === undefined) return;
      for (const s of this.subscribers.get(msg.channel) ?? []) s.notified(msg.payload);
    });
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      this.lost(err as Error, client);
      return;
    }
    if (client !== this.client || this.stopped) return;
    // Whatever happened while we were not listening is unknown: subscribers start afresh.
    this.resetAll();
    this.isLive = true;
    this.connects++;
    this.backoffMs = RECONNECT_MIN_MS;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: Error) => this.lost(err, client));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The feed is gone (or never came): distrust, drop the connection, try again later. */
  private lost(err: Error, client = this.client): void {
    if (client !== this.client) return;
    const wasLive = this.isLive;
    this.isLive = false;
    this.client = undefined;
    clearInterval(this.heartbeat);
    client?.removeAllListeners('notification');
    client?.on('error', () => undefined);
    void client?.end().catch(() => undefined);
    this.resetAll();
    if (this.stopped) return;
    if (wasLive) this.log.warn(`LISTEN connection lost (${err.message}); reconnecting`);
    clearTimeout(this.reconnectTimer);
    const delay = this.backoffMs * (0.5 + Math.random());
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private resetAll(): void {
    for (const set of this.subscribers.values()) for (const s of set) s.reset();
  }
}
