/**
 * Asking for one's data to be erased, as data: a confirmation that says what goes and what
 * stays, then a request for an administrator; saying no asks nothing; asking again while one
 * waits gives the same reference; the outcome arrives as a notice in the person's language.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { AR_SELF, ar, en, startArabic, walk } from './fixtures.js';

const specs: SpecCase[] = [
  {
    name: 'in the middle of a request, in Arabic: confirmed, recorded with a reference, back at the menu',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      { send: 'حذف بياناتي', replies: [ar('erase.confirm')], at: 'erase/erase_confirm', requests: [] },
      {
        send: 'نعم',
        replies: [ar('erase.recorded', { reference: 'DEL-TEST-0001' }), ar('menu.prompt')],
        at: 'menu/menu',
        requests: [{ type: 'request_erasure' }],
      },
    ],
  },
  {
    name: 'no at the confirmation: nothing is asked of anyone',
    turns: [...startArabic(), { send: '/delete', replies: [ar('erase.confirm')] }, { send: 'لا', replies: [ar('menu.prompt')], at: 'menu/menu', requests: [] }],
  },
  {
    name: 'in English while a request waits: its reference again',
    world: { erasurePending: 'DEL-7KQ4-M9XD' },
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: 'delete my data', replies: [en('erase.confirm')] },
      {
        send: 'yes',
        replies: [en('erase.pending', { reference: 'DEL-7KQ4-M9XD' }), en('menu.prompt')],
        notReplies: [en('erase.recorded', { reference: 'DEL-7KQ4-M9XD' })],
      },
    ],
  },
  {
    name: 'the outcome arrives as a notice, in the person’s language',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: { notice: 'erase.done', params: { reference: 'DEL-7KQ4-M9XD' } }, replies: [en('erase.done', { reference: 'DEL-7KQ4-M9XD' })] },
      { send: { notice: 'erase.refused', params: { reference: 'DEL-7KQ4-M9XD' } }, replies: [en('erase.refused', { reference: 'DEL-7KQ4-M9XD' })] },
    ],
  },
];

describe('asking for one’s data to be erased', () => {
  for (const spec of specs) it(spec.name, () => void runSpec(spec));
});
