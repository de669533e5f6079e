import { licenceNoticeDue } from './licence-expiry-notices.service.js';

describe('which licence-expiry notice is due', () => {
  it('sends the 60-day notice from 60 days to 15, the 14-day one from 14 days to the last valid day', () => {
    expect(licenceNoticeDue(61)).toBeNull();
    expect(licenceNoticeDue(60)).toBe(60);
    expect(licenceNoticeDue(15)).toBe(60);
    expect(licenceNoticeDue(14)).toBe(14);
    expect(licenceNoticeDue(0)).toBe(14);
  });

  it('sends nothing once the licence has expired', () => {
    expect(licenceNoticeDue(-1)).toBeNull();
  });
});
