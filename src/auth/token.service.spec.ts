import { jest } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { Duration } from 'luxon';
import type { AppConfig } from '../core/config/app-config.js';
import type { UsersRepository } from '../users/users.repository.js';
import { TokenService } from './token.service.js';

const USER = '6c019e0a-340d-4690-ac28-751486300bfa';

function tokenService(caller: { tokenVersion: number } | null = null): TokenService {
  const config = {
    env: { JWT_SECRET: 'a test secret of at least 32 characters', JWT_TTL: Duration.fromISO('PT15M') },
  };
  const users = { findActiveCaller: () => Promise.resolve(caller && { id: USER, ...caller }) };
  return new TokenService(
    new JwtService(),
    config as unknown as AppConfig,
    users as unknown as UsersRepository,
  );
}

describe('TokenService', () => {
  afterEach(() => jest.useRealTimers());

  it('refuses a token it verified before once the token has expired', () => {
    jest.useFakeTimers({ now: new Date('2026-11-30T10:00:00Z') });
    const tokens = tokenService();
    const { accessToken } = tokens.issue(USER, 3);
    expect(tokens.verify(accessToken)).toEqual({ userId: USER, tokenVersion: 3 });
    jest.setSystemTime(new Date('2026-11-30T10:14:59Z'));
    expect(tokens.verify(accessToken)).toEqual({ userId: USER, tokenVersion: 3 });
    jest.setSystemTime(new Date('2026-11-30T10:15:00Z'));
    expect(tokens.verify(accessToken)).toBeUndefined();
  });

  it('still compares the token version with the caller on every request', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-30T10:00:00Z'), doNotFake: ['nextTick', 'queueMicrotask'] });
    const caller = { tokenVersion: 3 };
    const tokens = tokenService(caller);
    const { accessToken } = tokens.issue(USER, 3);
    expect(await tokens.authenticate(accessToken)).toMatchObject({ id: USER });
    caller.tokenVersion = 4;
    expect(await tokens.authenticate(accessToken)).toBeUndefined();
  });

  it('refuses a token signed with another key, verified or not', () => {
    const tokens = tokenService();
    const { accessToken } = tokens.issue(USER, 1);
    const [header, payload] = accessToken.split('.');
    expect(tokens.verify(`${header}.${payload}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(tokens.verify(accessToken)).toEqual({ userId: USER, tokenVersion: 1 });
    expect(tokens.verify(`${header}.${payload}.${'A'.repeat(43)}`)).toBeUndefined();
  });
});
