import { describe, expect, it } from 'vitest';
import { nextOpening, nextWeeklyReport, parseWorkingHours } from '../../../src/core/working-hours.js';

/** A moment given in Saudi time (UTC+3). */
const saudi = (iso: string) => new Date(`${iso}+03:00`);

describe('working hours', () => {
  const hours = parseWorkingHours('sun-thu 08:00-16:00');

  it('reads day ranges and lists, including ranges over the weekend', () => {
    expect([...hours.days].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...parseWorkingHours('fri-sun 10:00-12:00').days].sort()).toEqual([0, 5, 6]);
    expect([...parseWorkingHours('sat,mon-tue 09:30-13:15').days].sort()).toEqual([1, 2, 6]);
    expect(parseWorkingHours('SUN-THU 08:00-16:00').opens).toBe(8 * 60);
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['', 'weekdays 8-4', 'sun-thu 16:00-08:00', 'sun-xyz 08:00-16:00', 'sun-thu 08:00-25:00', 'sun-thu 08:70-16:00']) {
      expect(() => parseWorkingHours(bad), bad).toThrow();
    }
  });

  it('is open on a Sunday morning in Saudi time, whatever the server’s zone', () => {
    // 2026-11-29 is a Sunday.
    expect(nextOpening(saudi('2026-11-29T08:00:00'), hours)).toBeNull();
    expect(nextOpening(saudi('2026-11-29T15:59:00'), hours)).toBeNull();
  });

  it('gives the next opening after closing time, overnight and over the Friday-Saturday weekend', () => {
    expect(nextOpening(saudi('2026-11-29T16:00:00'), hours)).toEqual(saudi('2026-11-30T08:00:00'));
    expect(nextOpening(saudi('2026-11-30T06:30:00'), hours)).toEqual(saudi('2026-11-30T08:00:00'));
    // Thursday evening → Sunday morning.
    expect(nextOpening(saudi('2026-12-03T17:00:00'), hours)).toEqual(saudi('2026-12-06T08:00:00'));
    // Friday noon → Sunday morning.
    expect(nextOpening(saudi('2026-12-04T12:00:00'), hours)).toEqual(saudi('2026-12-06T08:00:00'));
  });

  it('is always open for "sun-sat 00:00-24:00"', () => {
    const always = parseWorkingHours('sun-sat 00:00-24:00');
    expect(nextOpening(saudi('2026-12-04T23:59:00'), always)).toBeNull();
  });

  it('puts the weekly report on the next Sunday at 08:00 Saudi time', () => {
    expect(nextWeeklyReport(saudi('2026-12-03T12:00:00'))).toEqual(saudi('2026-12-06T08:00:00'));
    expect(nextWeeklyReport(saudi('2026-12-06T07:00:00'))).toEqual(saudi('2026-12-06T08:00:00'));
    expect(nextWeeklyReport(saudi('2026-12-06T08:00:00'))).toEqual(saudi('2026-12-13T08:00:00'));
  });
});
