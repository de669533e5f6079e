import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A local SMTP server that accepts every message and counts them by Message-ID (nothing else is parsed). */
export interface SmtpSink {
  port: number;
  /** Messages accepted, in total. */
  total: () => number;
  /** How many times each Message-ID arrived. */
  byMessageId: Map<string, number>;
  /** performance.now() of the last message. */
  lastAt: () => number;
  close: () => Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const byMessageId = new Map<string, number>();
  let total = 0;
  let lastAt = 0;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (_auth, _session, callback) => callback(null, { user: 'bench' }),
    onData: (stream, _session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('latin1');
        const headerEnd = raw.indexOf('\r\n\r\n');
        const head = headerEnd >= 0 ? raw.slice(0, headerEnd) : raw;
        const id = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? `(none ${total})`;
        byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
        total += 1;
        lastAt = performance.now();
        callback(null, `Queued as ${total}`);
      });
    },
  });
  server.on('error', (error) => console.warn(`SMTP sink: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    total: () => total,
    byMessageId,
    lastAt: () => lastAt,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      for (const connection of server.connections)
        (connection as { _socket?: { destroy(): void } })._socket?.destroy();
      await closed;
    },
  };
}

/** The outbox row id in a Message-ID the service wrote (`<outbox-uuid@host>`), if it is one. */
export function outboxIdOf(messageId: string): string | undefined {
  return /^<([0-9a-f-]{36})@/.exec(messageId)?.[1];
}
