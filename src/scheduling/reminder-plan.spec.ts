import { Duration } from 'luxon';
import { firstReminder, followingReminder } from './reminder-plan.js';

const config = {
  offsets: [Duration.fromISO('P7D'), Duration.fromISO('P30D')],
  overdueEvery: Duration.fromISO('P7D'),
};
const dueAt = new Date('2027-01-10T15:00:00Z');
const iso = (r: { kind: string; at: Date }) => [r.kind, r.at.toISOString()];

describe('reminder plan', () => {
  it('goes 30 days before, 7 days before, on the due date, then every 7 days overdue', () => {
    let reminder = firstReminder(new Date('2026-01-10T15:00:00Z'), dueAt, config);
    const seen = [iso(reminder)];
    for (let i = 0; i < 4; i++) {
      reminder = followingReminder(reminder.kind, dueAt, config);
      seen.push(iso(reminder));
    }
    expect(seen).toEqual([
      ['before-P30D', '2026-12-11T15:00:00.000Z'],
      ['before-P7D', '2027-01-03T15:00:00.000Z'],
      ['due', '2027-01-10T15:00:00.000Z'],
      ['overdue-1', '2027-01-17T15:00:00.000Z'],
      ['overdue-2', '2027-01-24T15:00:00.000Z'],
    ]);
  });

  it('skips reminders that were already in the past when the article was signed', () => {
    const shortCadenceSignedAt = new Date('2026-12-20T15:00:00Z'); // 21 days before due
    expect(iso(firstReminder(shortCadenceSignedAt, dueAt, config))).toEqual([
      'before-P7D',
      '2027-01-03T15:00:00.000Z',
    ]);
    expect(iso(firstReminder(new Date('2027-01-09T15:00:00Z'), dueAt, config))).toEqual([
      'due',
      '2027-01-10T15:00:00.000Z',
    ]);
  });

  it('works with second-long durations for demos and tests', () => {
    const fast = { offsets: [Duration.fromISO('PT3S')], overdueEvery: Duration.fromISO('PT2S') };
    const due = new Date('2026-01-01T00:00:10Z');
    const first = firstReminder(new Date('2026-01-01T00:00:00Z'), due, fast);
    expect(iso(first)).toEqual(['before-PT3S', '2026-01-01T00:00:07.000Z']);
    expect(iso(followingReminder('due', due, fast))).toEqual(['overdue-1', '2026-01-01T00:00:12.000Z']);
  });
});
