import { prepareInput } from '../../core/text/input.js';
import { fail, ok, type Validation } from '../../core/text/validation.js';
import { validateText } from './text.js';

/**
 * A list of ages (of dependants): "5، 9، 12", "5 9 12" or one per line; each a whole number 0–120.
 */
export function validateAgeList(raw: string, limits: { max: number; family?: number }): Validation<number[]> {
  const parts = prepareInput(raw)
    .split(/[\s,،;؛و-]+/)
    .filter(Boolean);
  if (parts.length === 0) return fail('validation.ages.empty');
  // One age for each member but the applicant: more cannot be right, and the person is told why.
  if (limits.family !== undefined && parts.length > limits.family - 1)
    return fail('validation.ages.moreThanFamily', { family: limits.family, max: Math.max(0, limits.family - 1), count: parts.length });
  if (parts.length > limits.max) return fail('validation.ages.tooMany', { max: limits.max });
  const ages: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 120) return fail('validation.ages.invalid', { part });
    ages.push(Number(part));
  }
  return ok(ages);
}

/**
 * A city or district name: 2–60 characters, letters (any script), spaces and a few
 * marks. No digits: a city is shown to the researchers' group, so it must not carry
 * a phone number, an ID or a street address.
 */
export function validatePlace(raw: string): Validation<string> {
  const text = validateText(raw, { min: 2, max: 60 });
  if (!text.ok) return text;
  return /^[\p{L}\p{M}][\p{L}\p{M}\s'’.-]*$/u.test(text.value) ? text : fail('validation.place.invalid');
}
