/**
 * /mydata, as data: the person's own requests with every answer labelled, their unfinished
 * request, their other records and ratings, and the consent, then how to ask for deletion;
 * and the conversation goes on where it was.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { AR_SELF, ar, en, startArabic, walk } from './fixtures.js';

const specs: SpecCase[] = [
  {
    name: 'in the middle of a new request: the submitted one in full, the draft, a complaint, a rating, the consent; then the same question',
    world: {
      ownData: {
        cases: [
          {
            reference: 'SR-7KQ4-M9XD',
            status: 'approved',
            submittedAt: '1 نوفمبر 2026',
            flow: 'support_request',
            flowVersion: 1,
            answers: { for_whom: 'self', full_name: 'نورة سعد العتيبي', national_id: '1000000008', mobile: '+966551234567', support_type: 'food' },
            decisionWords: 'سلة غذائية شهرية لستة أشهر',
          },
        ],
        records: [{ kind: 'feedback', reference: 'FB-2A3B-4C5D', createdAt: '3 نوفمبر 2026' }],
        ratings: 1,
      },
    },
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      {
        send: 'بياناتي',
        replies: [
          ar('mydata.header'),
          'الطلب SR-7KQ4-M9XD — مقبول',
          '• الاسم الكامل: نورة سعد العتيبي',
          '1000000008',
          '0551234567',
          'كتبت اللجنة: سلة غذائية شهرية لستة أشهر',
          ar('mydata.draft'),
          'محمد عبدالله القحطاني',
          'FB-2A3B-4C5D',
          'قيّمت خدمتنا مرة واحدة',
          'وافقت على إشعار الخصوصية (privacy-2026-1)',
          ar('mydata.footer'),
        ],
        lastReply: ar('q.city'),
        at: 'support_request/city',
        requests: [{ type: 'export_own_data' }],
      },
    ],
  },
  {
    name: 'a new chat in English: nothing held but the conversation',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: '/mydata', replies: [en('mydata.nothing'), en('mydata.footer'), en('menu.prompt')], notReplies: [en('mydata.header')] },
    ],
  },
];

describe('the person’s own data', () => {
  for (const spec of specs) it(spec.name, () => void runSpec(spec));
});
