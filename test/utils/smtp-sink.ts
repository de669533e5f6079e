import { simpleParser, type AddressObject } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message as the sink received it, parsed. */
export interface ReceivedEmail {
  /** SMTP envelope: MAIL FROM and RCPT TO, lower-cased. */
  envelope: { from: string; to: string[] };
  messageId: string | undefined;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  raw: string;
}

interface RecipientRule {
  reject?: { code: number; message: string };
  dropAfterData?: boolean;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  return objects.flatMap((object) => object.value.map((entry) => (entry.address ?? '').toLowerCase()));
}

/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, a random port): records every message it accepts,
 * and can be told to misbehave per recipient (reject with 550, drop the connection after the DATA) or as a
 * whole (stop: connections are refused until `resume()`, on the same port).
 *
 *   const sink = await SmtpSink.start();
 *   const t = await createTestApp({ env: { SMTP_URL: sink.url } });
 *   const email = await sink.waitForMessageTo('someone@test.local');
 */
export class SmtpSink {
  /** Messages accepted (answered 250). */
  readonly received: ReceivedEmail[] = [];
  /** Messages read to the end, then the connection was dropped instead of answering. */
  readonly dropped: ReceivedEmail[] = [];
  /** RCPT TO addresses refused by a rule. */
  readonly refusedRecipients: string[] = [];

  /** How long the server takes to answer each message's DATA (a slow mail server); 0 by default. */
  delayMs = 0;

  private readonly rules = new Map<string, RecipientRule>();
  private server?: SMTPServer;

  private constructor(private port: number) {}

  static async start(options: { delayMs?: number } = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(0);
    sink.delayMs = options.delayMs ?? 0;
    await sink.resume();
    return sink;
  }

  /** For SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** RCPT TO this address is answered `code message` (a permanent 550 by default). */
  rejectRecipient(
    address: string,
    code = 550,
    message = 'Requested action not taken: mailbox unavailable',
  ): void {
    this.rules.set(address.toLowerCase(), { reject: { code, message } });
  }

  /** A message to this address is read to its end, then the connection is cut before the server answers. */
  dropConnectionAfterData(address: string): void {
    this.rules.set(address.toLowerCase(), { dropAfterData: true });
  }

  /** Behave normally again for this address. */
  acceptRecipient(address: string): void {
    this.rules.delete(address.toLowerCase());
  }

  messagesTo(address: string): ReceivedEmail[] {
    return this.received.filter((message) => message.envelope.to.includes(address.toLowerCase()));
  }

  droppedTo(address: string): ReceivedEmail[] {
    return this.dropped.filter((message) => message.envelope.to.includes(address.toLowerCase()));
  }

  /** Waits (bounded) for a message to this address and returns the first one. */
  async waitForMessageTo(address: string, timeoutMs = 15_000): Promise<ReceivedEmail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [message] = this.messagesTo(address);
      if (message) return message;
      if (Date.now() > deadline) {
        throw new Error(
          `no email to ${address} arrived within ${timeoutMs} ms (${this.received.length} received)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Stops listening and cuts every open connection: clients now get "connection refused". */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
    for (const connection of server.connections) connection._socket.destroy();
    await closed;
  }

  /** Listens again, on the same port once it has one. */
  async resume(): Promise<void> {
    if (this.server) return;
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private createServer(): SMTPServer {
    const server: SMTPServer = new SMTPServer({
      logger: false,
      authOptional: true,
      // Plain SMTP on loopback: no STARTTLS with smtp-server's self-signed test certificate.
      disabledCommands: ['STARTTLS'],
      onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
      onRcptTo: (address, _session, callback) => {
        const rule = this.rules.get(address.address.toLowerCase());
        if (rule?.reject) {
          this.refusedRecipients.push(address.address.toLowerCase());
          const error = Object.assign(new Error(rule.reject.message), { responseCode: rule.reject.code });
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        this.readMessage(stream, session)
          .then(async (message) => {
            if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
            if (message.envelope.to.some((to) => this.rules.get(to)?.dropAfterData)) {
              this.dropped.push(message);
              for (const connection of server.connections) {
                if (connection.id === session.id) connection._socket.destroy();
              }
              return;
            }
            this.received.push(message);
            callback(null, `Queued as ${this.received.length}`);
          })
          .catch((error: Error) => callback(error));
      },
    });
    server.on('error', () => undefined);
    return server;
  }

  private async readMessage(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
  ): Promise<ReceivedEmail> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const parsed = await simpleParser(raw);
    const mailFrom = session.envelope.mailFrom;
    return {
      envelope: {
        from: mailFrom ? mailFrom.address.toLowerCase() : '',
        to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
      },
      messageId: parsed.messageId,
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: parsed.headers,
      raw,
    };
  }
}
