/**
 * Answering a researcher's request for information, as data: asked at once when free,
 * kept for «استكمال» when busy, files then words, and a request no longer waiting.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { AR_SELF, ar, en, startArabic, walk } from './fixtures.js';

const ASKED = { notice: 'info.requested', params: { caseId: 'case_1', reference: 'SR-TEST-0001', items: 'id,income_proof', note: 'الصورة غير واضحة' } };

const specs: SpecCase[] = [
  {
    name: 'asked at the menu: what is missing in words, then the files and the words; the case told',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: ASKED,
        replies: ['صورة الهوية أو الإقامة', 'ما يثبت الدخل', 'الصورة غير واضحة', ar('info.files')],
        at: 'info/info_files',
        session: { pendingInfo: { caseId: 'case_1' } },
      },
      { send: { document: 'id-clear' }, at: 'info/info_files' },
      { send: 'تم', replies: [ar('info.text')], at: 'info/info_text' },
      {
        send: 'راتبي انقطع منذ شهرين',
        replies: [ar('info.thanks', { reference: 'SR-TEST-0001' }), ar('menu.prompt')],
        at: 'menu/menu',
        requests: [{ type: 'submit_info', caseId: 'case_1', text: 'راتبي انقطع منذ شهرين', documentIds: ['id-clear'] }],
        notEvents: ['documents_discarded'],
        session: { pendingInfo: null },
      },
    ],
  },
  {
    name: 'asked in the middle of a new request: kept for «استكمال»; no files is an answer; a case no longer waiting keeps nothing',
    world: { infoNotWaiting: true },
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      { send: ASKED, replies: [ar('info.later')], notReplies: [ar('info.files')], at: 'support_request/city' },
      { send: 'استكمال', replies: [ar('info.files')], at: 'info/info_files' },
      { send: 'تم', replies: [ar('info.text')], at: 'info/info_text' },
      { send: 'ليس لدي غير ما أرسلت', replies: [ar('info.notWaiting')], requests: [{ type: 'submit_info', documentIds: [] }], at: 'menu/menu' },
      { send: 'استكمال', replies: [ar('info.nothing')] },
    ],
  },
  {
    name: 'in English',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: ASKED, replies: ['A photo of the ID or iqama', 'Proof of income', en('info.files')], at: 'info/info_files' },
      { send: 'done', replies: [en('info.text')] },
      { send: 'skip', replies: [en('info.thanks', { reference: 'SR-TEST-0001' })], requests: [{ type: 'submit_info', text: '' }] },
    ],
  },
];

describe('information requested by a researcher', () => {
  for (const spec of specs) it(spec.name, () => void runSpec(spec));
});
