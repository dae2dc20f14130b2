import { describe, expect, it } from 'vitest';
import { CalendarError, expectedAnswerDate, formatDualDate } from '../../../src/core/calendar.js';

describe('expectedAnswerDate', () => {
  it('adds calendar days and keeps the time of day', () => {
    const submitted = new Date('2026-11-24T09:00:00.000Z');
    expect(expectedAnswerDate(submitted, { days: 14, mode: 'calendar' }).toISOString()).toBe('2026-12-08T09:00:00.000Z');
    expect(expectedAnswerDate(submitted, { days: 0, mode: 'calendar' }).toISOString()).toBe('2026-11-24T09:00:00.000Z');
  });

  it('crosses month, year and leap-day boundaries', () => {
    expect(expectedAnswerDate(new Date('2026-12-25T21:30:00Z'), { days: 14, mode: 'calendar' }).toISOString()).toBe('2027-01-08T21:30:00.000Z');
    expect(expectedAnswerDate(new Date('2028-02-20T06:15:00Z'), { days: 14, mode: 'calendar' }).toISOString()).toBe('2028-03-05T06:15:00.000Z');
  });

  it('does not change its input', () => {
    const submitted = new Date('2026-11-24T09:00:00Z');
    expectedAnswerDate(submitted, { days: 14, mode: 'calendar' });
    expect(submitted.toISOString()).toBe('2026-11-24T09:00:00.000Z');
  });

  it('counts working days without the Saudi weekend (Friday and Saturday, in Riyadh time)', () => {
    // Tuesday 24 Nov 2026, noon in Riyadh: 14 working days are 20 calendar days (three weekends skipped).
    const submitted = new Date('2026-11-24T09:00:00Z');
    expect(expectedAnswerDate(submitted, { days: 14, mode: 'working' }).toISOString()).toBe('2026-12-14T09:00:00.000Z');
    // Thursday evening: one working day later is Sunday.
    expect(expectedAnswerDate(new Date('2026-11-26T18:00:00Z'), { days: 1, mode: 'working' }).toISOString()).toBe('2026-11-29T18:00:00.000Z');
    expect(expectedAnswerDate(submitted, { days: 0, mode: 'working' }).getTime()).toBe(submitted.getTime());
  });

  it('refuses invalid input', () => {
    const submitted = new Date('2026-11-24T09:00:00Z');
    expect(() => expectedAnswerDate(new Date('nope'), { days: 14, mode: 'calendar' })).toThrow(CalendarError);
    for (const days of [-1, 1.5, Number.NaN]) {
      expect(() => expectedAnswerDate(submitted, { days, mode: 'calendar' })).toThrow(
        expect.objectContaining({ code: 'CALENDAR_INVALID_INPUT', name: 'CalendarError' }),
      );
    }
  });
});

describe('formatDualDate', () => {
  // 12:00 in Riyadh, Tuesday 8 December 2026 = 28 Jumada al-Akhirah 1448 (Umm al-Qura).
  const date = new Date('2026-12-08T09:00:00Z');

  it('writes Arabic with Arabic-Indic digits in both calendars', () => {
    const { gregorian, hijri } = formatDualDate(date, 'ar');
    expect(gregorian).toBe('الثلاثاء، ٨ ديسمبر ٢٠٢٦');
    expect(hijri).toBe('٢٨ جمادى الآخرة ١٤٤٨ هـ');
    expect(`${gregorian}${hijri}`).not.toMatch(/[0-9]/);
  });

  it('writes English day-month-year in both calendars', () => {
    const { gregorian, hijri } = formatDualDate(date, 'en');
    expect(gregorian).toBe('Tuesday, 8 December 2026');
    expect(hijri).toBe('28 Jumada II 1448 AH');
  });

  it('uses the Riyadh date, not the UTC date, by default', () => {
    // 22:30 UTC on the 7th is already 01:30 on the 8th in Riyadh.
    const lateEvening = new Date('2026-12-07T22:30:00Z');
    expect(formatDualDate(lateEvening, 'en').gregorian).toBe('Tuesday, 8 December 2026');
    expect(formatDualDate(lateEvening, 'en', 'UTC').gregorian).toBe('Monday, 7 December 2026');
  });

  it('refuses an invalid date', () => {
    expect(() => formatDualDate(new Date(Number.NaN), 'ar')).toThrow(CalendarError);
  });
});
