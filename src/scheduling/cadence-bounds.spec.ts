import { parseCadence } from './cadence-bounds.js';

describe('re-review cadence bounds', () => {
  it.each(['P1D', 'P7D', 'P3M', 'P12M', 'P1Y', 'P3Y', 'P5Y', 'P60M', 'P1Y6M', 'PT24H'])(
    'accepts %s',
    (value) => {
      expect(parseCadence(value)?.isValid).toBe(true);
    },
  );

  it.each(['P999999Y', 'P6Y', 'P5Y1D', 'PT1S', 'PT23H', 'P0D', 'P-1D', 'P1Y-1D', '3 years', '', 'P'])(
    'refuses %s',
    (value) => {
      expect(parseCadence(value)).toBeNull();
    },
  );

  it('refuses what is not a string', () => {
    expect(parseCadence(365)).toBeNull();
    expect(parseCadence(null)).toBeNull();
  });
});
