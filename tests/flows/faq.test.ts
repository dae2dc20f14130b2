/**
 * Questions for the association, as data: the topics from the menu, a question in free
 * text (Gulf dialect, English), the two or three nearest topics when unsure, and the offer
 * of a researcher when nothing fits. Topic texts come from content/faq.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { ar, en } from './fixtures.js';

const faq: SpecCase[] = [
  {
    name: 'the questions from the menu: every topic numbered, a researcher last; a number answers that topic and offers more',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: '٣',
        replies: [
          ar('faq.prompt'),
          `1. ${ar('faq.about.title')} [about]`,
          `5. ${ar('faq.timeline.title')} [timeline]`,
          `11. ${ar('faq.researcher')} [researcher]`,
        ],
        at: 'faq/faq_topic',
      },
      {
        send: '٥',
        replies: [ar('faq.timeline.answer'), 'أسبوعين', '14', ar('faq.more')],
        notReplies: ['{{days}}'],
        at: 'faq/faq_topic',
        events: ['faq_answered'],
      },
      { send: 'القائمة', replies: [ar('menu.prompt')], at: 'menu/menu' },
    ],
  },
  {
    name: 'a question in Gulf dialect, in the questions and at the menu itself, is answered without choosing a topic',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: 'وش الاوراق المطلوبة للدعم', replies: [ar('faq.documents.answer'), ar('menu.prompt')], notReplies: [ar('welcome.back')], at: 'menu/menu' },
      { send: '/ask', replies: [ar('faq.prompt')], at: 'faq/faq_topic' },
      {
        send: 'كم يوم ياخذ الرد على الطلب',
        replies: [ar('faq.timeline.answer'), ar('faq.more')],
        at: 'faq/faq_topic',
        eventsMatch: [{ type: 'faq_answered', topic: 'timeline' }],
      },
    ],
  },
  {
    name: 'an unsure question offers the nearest topics, numbered from 1, then a researcher; a greeting at the menu is still a greeting',
    turns: [
      { send: 'السلام عليكم', at: 'menu/menu' },
      { send: 'السلام عليكم', replies: [ar('welcome.back'), ar('menu.prompt')], at: 'menu/menu' },
      {
        send: 'طلبي',
        replies: [ar('faq.didYouMean'), `1. ${ar('faq.status.title')} [status]`, `4. ${ar('faq.researcher')} [researcher]`],
        at: 'faq/faq_topic',
      },
      { send: '1', replies: [ar('faq.status.answer')], at: 'faq/faq_topic', eventsMatch: [{ type: 'faq_answered', topic: 'status' }] },
    ],
  },
  {
    name: 'in English; no answer fits: said so, with every topic and a researcher, who is called when chosen',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: 'Questions', replies: [en('faq.prompt')], at: 'faq/faq_topic' },
      { send: 'how long does the committee take', replies: [en('faq.timeline.answer'), 'two weeks'], at: 'faq/faq_topic' },
      { send: "what's the weather like", replies: [en('faq.noMatch'), `11. ${en('faq.researcher')} [researcher]`], at: 'faq/faq_topic' },
      {
        send: '11',
        replies: [en('referral.opened', { reference: 'RF-TEST-0001' })],
        requests: [{ type: 'open_referral', reason: 'no_answer', context: { flow: 'faq', step: 'faq_topic' } }],
      },
    ],
  },
];

describe('questions (FAQ)', () => {
  for (const spec of faq) it(spec.name, () => void runSpec(spec));
});
