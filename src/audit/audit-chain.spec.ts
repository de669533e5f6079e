import {
  auditEventHash,
  checkpointSignatureHolds,
  GENESIS_HASH,
  signCheckpoint,
  type ChainedEventFields,
} from './audit-chain.js';

const event: ChainedEventFields = {
  id: '7',
  seq: '3',
  occurredAt: new Date('2026-01-10T15:00:00.000Z'),
  actorId: null,
  action: 'article.created',
  entityType: 'article',
  entityId: 'a1',
  articleId: null,
  before: null,
  after: { b: 1, a: 2 },
  prevHash: GENESIS_HASH,
};

describe('audit chain', () => {
  it('hashes the canonical event: key order does not matter, every field does', () => {
    const hash = auditEventHash(event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditEventHash({ ...event, after: { a: 2, b: 1 } })).toBe(hash);
    for (const changed of [
      { id: '8' },
      { seq: '4' },
      { occurredAt: new Date('2026-01-10T15:00:00.001Z') },
      { actorId: '00000000-0000-0000-0000-000000000001' },
      { action: 'article.edited' },
      { entityId: 'a2' },
      { after: { a: 2, b: 2 } },
      { prevHash: '1'.repeat(64) },
    ]) {
      expect(auditEventHash({ ...event, ...changed })).not.toBe(hash);
    }
  });

  it('signs checkpoints with the key: another key, or a changed field, fails', () => {
    const key = 'k'.repeat(32);
    const signed = signCheckpoint(key, {
      seq: '10',
      firstSeq: '1',
      headHash: 'a'.repeat(64),
      sealedAt: '2026-01-10T15:00:00.000Z',
    });
    expect(checkpointSignatureHolds(key, signed)).toBe(true);
    expect(checkpointSignatureHolds('x'.repeat(32), signed)).toBe(false);
    expect(checkpointSignatureHolds(key, { ...signed, headHash: 'b'.repeat(64) })).toBe(false);
    expect(checkpointSignatureHolds(key, { ...signed, seq: '11' })).toBe(false);
    expect(checkpointSignatureHolds(key, { ...signed, hmac: 'zz' })).toBe(false);
  });
});
