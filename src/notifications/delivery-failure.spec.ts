import { classifyDeliveryError } from './delivery-failure.js';

/** An error with the fields nodemailer sets. */
function smtpError(
  message: string,
  fields: { code?: string; responseCode?: number; command?: string },
): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifyDeliveryError', () => {
  it.each([
    [
      '550 mailbox unavailable at RCPT TO',
      { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' },
      'permanent',
    ],
    [
      '554 message rejected after DATA',
      { code: 'EMESSAGE', responseCode: 554, command: 'DATA' },
      'permanent',
    ],
    ['553 invalid sender', { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'permanent'],
    ['a recipient address nodemailer cannot use', { code: 'EENVELOPE', command: 'API' }, 'permanent'],
    ['451 try again later', { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }, 'retry'],
    ['421 service closing', { code: 'ECONNECTION', responseCode: 421, command: 'CONN' }, 'retry'],
    ['452 mailbox full after DATA', { code: 'EMESSAGE', responseCode: 452, command: 'DATA' }, 'retry'],
    ['503 bad sequence of commands', { code: 'EPROTOCOL', responseCode: 503, command: 'RSET' }, 'retry'],
    ['535 wrong credentials', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }, 'retry'],
    ['554 greeting: no service for you', { code: 'EPROTOCOL', responseCode: 554, command: 'CONN' }, 'retry'],
    ['connection refused', { code: 'ECONNECTION', command: 'CONN' }, 'retry'],
    ['connection timeout', { code: 'ETIMEDOUT', command: 'CONN' }, 'retry'],
    ['socket error', { code: 'ESOCKET', command: 'CONN' }, 'retry'],
  ])('%s before the message was handed over: %s', (message, fields, kind) => {
    expect(classifyDeliveryError(smtpError(message, fields), false).kind).toBe(kind);
  });

  it('cannot know the outcome when the connection breaks after the whole message was handed over', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET']) {
      const failure = classifyDeliveryError(
        smtpError('Connection closed unexpectedly', { code, command: 'CONN' }),
        true,
      );
      expect(failure.kind).toBe('unknown');
    }
  });

  it("trusts the server's reply over the stage: a 5xx or 4xx after the message is still a verdict", () => {
    expect(
      classifyDeliveryError(smtpError('rejected', { responseCode: 550, command: 'DATA' }), true).kind,
    ).toBe('permanent');
    expect(classifyDeliveryError(smtpError('later', { responseCode: 451, command: 'DATA' }), true).kind).toBe(
      'retry',
    );
  });

  it('keeps the code, command and message as the reason a person reads', () => {
    const failure = classifyDeliveryError(
      smtpError("Can't send mail - all recipients were rejected: 550 mailbox unavailable", {
        code: 'EENVELOPE',
        responseCode: 550,
        command: 'RCPT TO',
      }),
      false,
    );
    expect(failure.message).toBe(
      "EENVELOPE (RCPT TO) Can't send mail - all recipients were rejected: 550 mailbox unavailable",
    );
  });
});
