/**
 * The short self-service flows, as data: a suggestion or complaint (with and without a
 * file) and volunteer registration (agreeing and declining), in Arabic and English.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { ar, en } from './fixtures.js';

const feedback: SpecCase[] = [
  {
    name: 'a complaint with a photo, from the menu by number: reference, acknowledgement, the menu; the file goes with the record',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '٥', replies: [ar('feedback.kind'), '1. اقتراح [suggestion]', '2. شكوى [complaint]'], at: 'feedback/feedback_kind', events: ['flow_started'] },
      { send: 'شكوى', replies: [ar('feedback.text')], at: 'feedback/feedback_text' },
      { send: 'لا', replies: [ar('validation.text.tooShort', { min: 5 }), ar('feedback.text')], at: 'feedback/feedback_text' },
      { send: 'تأخر الرد على طلبي أكثر من شهر', replies: [ar('feedback.attach')], at: 'feedback/feedback_attach' },
      { send: 'نعم', replies: [ar('feedback.files')], at: 'feedback/feedback_files' },
      { send: { document: 'photo-1' }, at: 'feedback/feedback_files' },
      {
        send: 'تم',
        replies: [ar('feedback.submitted', { reference: 'FB-TEST-0001' }), ar('menu.prompt')],
        at: 'menu/menu',
        drafts: [],
        requests: [
          {
            type: 'submit_record',
            kind: 'feedback',
            answers: { feedback_kind: 'complaint', feedback_text: 'تأخر الرد على طلبي أكثر من شهر', feedback_attach: true, feedback_files: ['photo-1'] },
            documentIds: ['photo-1'],
          },
        ],
        notEvents: ['documents_discarded'],
      },
    ],
  },
  {
    name: 'a suggestion in English without a file, by /feedback; no privacy notice is needed, nothing personal is asked',
    turns: [
      { send: 'hello', at: 'menu/menu' },
      { send: 'English', at: 'menu/menu' },
      { send: '/feedback', replies: [en('feedback.kind')], notReplies: [en('privacy.notice')], at: 'feedback/feedback_kind' },
      { send: '1', replies: [en('feedback.text')], at: 'feedback/feedback_text' },
      { send: 'Please open the office on Saturdays too', replies: [en('feedback.attach')], at: 'feedback/feedback_attach' },
      {
        send: 'no',
        replies: [en('feedback.submitted', { reference: 'FB-TEST-0001' }), en('menu.prompt')],
        at: 'menu/menu',
        requests: [
          {
            type: 'submit_record',
            kind: 'feedback',
            lang: 'en',
            answers: { feedback_kind: 'suggestion', feedback_text: 'Please open the office on Saturdays too', feedback_attach: false },
            documentIds: [],
          },
        ],
      },
    ],
  },
  {
    name: 'cancel in the middle of a complaint: the file sent so far is discarded, nothing is submitted',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '/feedback', at: 'feedback/feedback_kind' },
      { send: '2', at: 'feedback/feedback_text' },
      { send: 'الموظف لم يرد على اتصالي', at: 'feedback/feedback_attach' },
      { send: 'نعم', at: 'feedback/feedback_files' },
      { send: { document: 'stray-1' }, at: 'feedback/feedback_files' },
      {
        send: 'إلغاء',
        replies: [ar('cancel.done'), ar('menu.prompt')],
        at: 'menu/menu',
        requests: [],
        eventsMatch: [{ type: 'flow_cancelled', flow: 'feedback', documentIds: ['stray-1'] }],
      },
    ],
  },
];

const volunteer: SpecCase[] = [
  {
    name: 'volunteering in Arabic: its own short notice, each answer checked, a reference, the coordinator alerted through the record',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '٦', replies: [ar('volunteer.consent'), '1. نعم [yes]'], at: 'volunteer/volunteer_consent' },
      { send: 'نعم', replies: [ar('volunteer.name')], at: 'volunteer/volunteer_name' },
      { send: 'سعد', replies: [ar('validation.name.singleWord')], at: 'volunteer/volunteer_name' },
      { send: 'سعد بن محمد الدوسري', replies: [ar('volunteer.mobile')], at: 'volunteer/volunteer_mobile' },
      { send: '٠٥٥١٢٣٤٥٦٧', replies: [ar('volunteer.city')], at: 'volunteer/volunteer_city' },
      { send: 'نمران', replies: [ar('volunteer.skills')], at: 'volunteer/volunteer_skills' },
      {
        send: 'توزيع السلال الغذائية والقيادة',
        replies: [ar('volunteer.availability'), '3. نهاية الأسبوع [weekends]'],
        at: 'volunteer/volunteer_availability',
      },
      {
        send: '٣',
        replies: [ar('volunteer.submitted', { reference: 'VL-TEST-0001' }), ar('menu.prompt')],
        at: 'menu/menu',
        requests: [
          {
            type: 'submit_record',
            kind: 'volunteer',
            lang: 'ar',
            answers: {
              volunteer_consent: true,
              volunteer_name: 'سعد بن محمد الدوسري',
              volunteer_mobile: '+966551234567',
              volunteer_city: 'نمران',
              volunteer_skills: 'توزيع السلال الغذائية والقيادة',
              volunteer_availability: 'weekends',
            },
          },
        ],
      },
    ],
  },
  {
    name: 'declining the volunteer notice keeps nothing and says so',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '/volunteer', at: 'volunteer/volunteer_consent' },
      { send: 'لا', replies: [ar('volunteer.declined'), ar('menu.prompt')], at: 'menu/menu', requests: [], drafts: [] },
    ],
  },
];

describe('suggestions and complaints', () => {
  for (const spec of feedback) it(spec.name, () => void runSpec(spec));
});

describe('volunteering', () => {
  for (const spec of volunteer) it(spec.name, () => void runSpec(spec));
});
