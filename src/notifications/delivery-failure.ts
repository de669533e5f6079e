/**
 * What a failed delivery means for the email:
 * - `retry`: nothing reached the recipient's server, or it answered "try later" (4xx): send again after a backoff;
 * - `permanent`: the server refused the message for good (5xx, e.g. 550 mailbox unavailable): never again;
 * - `unknown`: the whole message was handed over, then the connection broke before the server's answer: it may
 *   have been delivered, so a person decides (sending again could email the same reminder twice).
 */
export type DeliveryFailureKind = 'retry' | 'permanent' | 'unknown';

export class DeliveryFailure extends Error {
  override readonly name = 'DeliveryFailure';

  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** The fields nodemailer puts on its errors. */
interface MailerErrorFields {
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
}

/** Nodemailer codes for errors about the message itself (its envelope or content), not the connection. */
const MESSAGE_ERRORS = new Set(['EENVELOPE', 'EMESSAGE']);

/** The SMTP commands that carry the message; a 5xx to any other (greeting, EHLO, AUTH) is about our setup. */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/** 503 "bad sequence of commands" is a session problem, not a verdict on the message: a new session may pass. */
const SESSION_PROBLEM = 503;

/**
 * Classifies a nodemailer error. `handedOver` says whether the whole message had been written to the server
 * (the end of the DATA stream) when it failed: nodemailer reports a connection that broke while waiting for the
 * final reply exactly as one that never opened (code ECONNECTION, command CONN), so its fields alone cannot tell
 * "not sent" from "maybe sent".
 */
export function classifyDeliveryError(error: unknown, handedOver: boolean): DeliveryFailure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as MailerErrorFields;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const command = typeof fields.command === 'string' ? fields.command : undefined;
  const responseCode = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const reason = [code, command && `(${command})`, message].filter(Boolean).join(' ');

  if (responseCode !== undefined) {
    // The server answered, so nothing is in doubt. A 5xx to the message is final; a 4xx, or a 5xx to the
    // connection or the login (wrong credentials, a server refusing us), may pass later without the message
    // changing, so those are retried (and end `failed` with the reason once the retries run out).
    const aboutTheMessage =
      (command !== undefined && MESSAGE_COMMANDS.has(command)) ||
      (code !== undefined && MESSAGE_ERRORS.has(code));
    const final = responseCode >= 500 && responseCode !== SESSION_PROBLEM && aboutTheMessage;
    return new DeliveryFailure(final ? 'permanent' : 'retry', reason);
  }
  if (code && MESSAGE_ERRORS.has(code)) {
    // Refused before any server saw it (e.g. a recipient address nodemailer cannot use).
    return new DeliveryFailure('permanent', reason);
  }
  // No reply: the network, a timeout or the server going away.
  return new DeliveryFailure(handedOver ? 'unknown' : 'retry', reason);
}
