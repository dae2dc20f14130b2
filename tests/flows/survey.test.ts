/**
 * Rating the service, as data: an invitation at the menu, an invitation while busy (kept for
 * later), a rating from the menu without one, a second answer to the same invitation, and
 * stopping and resuming optional messages.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { AR_SELF, ar, en, startArabic, walk } from './fixtures.js';

const INVITE = { notice: 'survey.invite', params: { surveyId: 'srv_decision_case_1', reference: 'SR-TEST-0001' } };

const surveys: SpecCase[] = [
  {
    name: 'an invitation at the menu: asked at once, the five ratings best first; a comment skipped; thanks, the menu',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: INVITE,
        replies: [ar('survey.invite', { reference: 'SR-TEST-0001' }), ar('survey.rating'), '1. ممتازة ⭐⭐⭐⭐⭐ [r5]', '5. ضعيفة ⭐ [r1]'],
        at: 'survey/survey_rating',
        session: { pendingSurvey: 'srv_decision_case_1' },
      },
      { send: '١', replies: [ar('survey.comment')], at: 'survey/survey_comment' },
      {
        send: 'تخطي',
        replies: [ar('survey.thanks'), ar('menu.prompt')],
        at: 'menu/menu',
        requests: [{ type: 'submit_survey', surveyId: 'srv_decision_case_1', rating: 5, comment: null }],
        session: { pendingSurvey: null },
      },
    ],
  },
  {
    name: 'an invitation in the middle of a request does not cut in: kept until «تقييم»; a second answer to it is thanked, not counted',
    world: { surveyAnsweredBefore: true },
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      {
        send: INVITE,
        replies: [ar('survey.inviteLater', { reference: 'SR-TEST-0001' })],
        notReplies: [ar('survey.rating')],
        at: 'support_request/city',
        session: { pendingSurvey: 'srv_decision_case_1' },
      },
      { send: 'نمران', replies: [ar('q.district')], at: 'support_request/district' },
      { send: 'تقييم', replies: [ar('survey.rating')], at: 'survey/survey_rating' },
      { send: 'ضعيفة', replies: [ar('survey.comment')] },
      {
        send: 'انتظرت طويلًا في المكتب',
        replies: [ar('survey.already')],
        requests: [{ type: 'submit_survey', surveyId: 'srv_decision_case_1', rating: 1, comment: 'انتظرت طويلًا في المكتب' }],
        at: 'menu/menu',
      },
      // The request in progress is kept.
      { send: '١', replies: [ar('draft.resumed', { title: ar('request.title') })], at: 'support_request/district' },
    ],
  },
  {
    name: 'rating from the menu without an invitation, in English',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: '7', replies: [en('survey.rating')], at: 'survey/survey_rating' },
      { send: 'Very good', replies: [en('survey.comment')] },
      {
        send: 'The researcher was very kind',
        replies: [en('survey.thanks')],
        requests: [{ type: 'submit_survey', surveyId: null, rating: 4, comment: 'The researcher was very kind' }],
      },
    ],
  },
  {
    name: 'stopping and resuming optional messages, anywhere, the question asked again',
    turns: [
      ...startArabic(),
      { send: 'إيقاف الرسائل', replies: [ar('optional.stopped'), ar('q.forWhom')], at: 'support_request/for_whom', session: { optOut: true } },
      { send: 'استئناف الرسائل', replies: [ar('optional.resumed'), ar('q.forWhom')], session: { optOut: false } },
    ],
  },
];

describe('satisfaction', () => {
  for (const spec of surveys) it(spec.name, () => void runSpec(spec));
});
