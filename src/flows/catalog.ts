import type { FaqIndex, FlowCatalog } from '../engine/contract.js';
import { defineFlow, type Flow } from '../engine/flow-definition.js';
import type { Validator } from '../engine/answers.js';
import { validateNationalId } from './validators/national-id.js';
import { validateSaudiMobile } from './validators/saudi-mobile.js';
import { validateAmount, validateCount } from './validators/number.js';
import { validateName, validateText } from './validators/text.js';
import { validateDate } from './validators/date.js';
import { validateAgeList, validatePlace } from './validators/lists.js';
import { faqFlow, menuFlow, menuFlowV1, trackFlow, withdrawFlow } from './menu.js';
import { loadFaqContent } from '../faq/faq-content.js';
import { FaqMatcher } from '../faq/faq-matcher.js';
import { normalizeReference } from '../core/reference.js';
import { normalizeDigits } from '../core/text/digits.js';
import { erasureFlow, feedbackFlow, infoFlow, surveyFlow, volunteerFlow } from './self-service.js';
import { supportRequestFlow } from './support-request.js';

/** The validators flows may name, by name; each returns a JSON-safe answer or a message key. */
export const validatorRegistry: Readonly<Record<string, Validator>> = {
  national_id: (raw) => {
    const result = validateNationalId(raw);
    return result.ok ? { ok: true, value: result.value.id } : result;
  },
  saudi_mobile: (raw) => validateSaudiMobile(raw),
  amount: (raw, o) => validateAmount(raw, { min: o?.min ?? 0, max: o?.max ?? 1_000_000 }),
  count: (raw, o) => validateCount(raw, { min: o?.min ?? 0, max: o?.max ?? 100 }),
  name: (raw) => validateName(raw),
  text: (raw, o) => validateText(raw, { min: o?.min ?? 1, max: o?.max ?? 1000 }),
  place: (raw) => validatePlace(raw),
  date: (raw) => validateDate(raw),
  age_list: (raw, o) => validateAgeList(raw, { max: o?.max ?? 30, ...(o?.family === undefined ? {} : { family: o.family }) }),
  /** A support request's reference as people copy it by hand (SR-7KQ4-M9XD, lower case, spaces, Arabic digits). */
  case_reference: (raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: 'validation.required' };
    const reference = normalizeReference(raw, 'SR');
    return reference ? { ok: true, value: reference } : { ok: false, error: 'validation.reference.invalid' };
  },
  /** A comment that may be left out: «تخطي» / "skip" (or «لا» / "no") gives none. */
  optional_comment: (raw) => {
    if (typeof raw !== 'string') return { ok: false, error: 'validation.required' };
    if (/^\s*(تخطي|تخطى|skip|لا|no|لا شكرا|no thanks)\s*$/i.test(raw)) return { ok: true, value: '' };
    return validateText(raw, { min: 2, max: 1000 });
  },
  /** The last four digits of a national ID, in any of the digit forms people type. */
  last_four_digits: (raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: 'validation.required' };
    const digits = normalizeDigits(raw).replace(/[\s-]/g, '');
    return /^\d{4}$/.test(digits) ? { ok: true, value: digits } : { ok: false, error: 'validation.lastFour.invalid' };
  },
};

/** Every flow definition, all versions still in use by saved sessions. */
export const FLOW_DEFINITIONS: readonly unknown[] = [
  menuFlowV1,
  menuFlow,
  withdrawFlow,
  trackFlow,
  faqFlow,
  supportRequestFlow,
  feedbackFlow,
  volunteerFlow,
  surveyFlow,
  infoFlow,
  erasureFlow,
];

/**
 * Loads and checks every flow definition (a malformed one stops the start-up with
 * its name and problem) and returns the catalog the engine runs against.
 */
export function loadFlowCatalog(options: { faq?: FaqIndex } = {}): FlowCatalog {
  const names = Object.keys(validatorRegistry);
  const byKey = new Map<string, Flow>();
  const latest = new Map<string, Flow>();
  for (const raw of FLOW_DEFINITIONS) {
    const flow = defineFlow(raw, names);
    byKey.set(`${flow.id}@${flow.version}`, flow);
    const known = latest.get(flow.id);
    if (!known || known.version < flow.version) latest.set(flow.id, flow);
  }
  return {
    get: (id, version) => (version !== undefined ? byKey.get(`${id}@${version}`) : undefined) ?? latest.get(id),
    validators: validatorRegistry,
    faq: options.faq ?? defaultFaqIndex(),
  };
}

/** The FAQ from the content files as they are now. */
function defaultFaqIndex(): FaqIndex {
  const content = loadFaqContent();
  return faqIndexOf(
    new FaqMatcher(content),
    content.ar.topics.map((topic) => topic.id),
  );
}

/** The engine's view of the FAQ: topic ids in menu order and the matcher's decision. */
export function faqIndexOf(matcher: FaqMatcher, topicIds: readonly string[]): FaqIndex {
  return {
    topicIds: () => topicIds,
    match: (text) => matcher.match(text),
  };
}
