import type { RequestResult } from '../input.js';
import type { Draft } from '../session.js';
import { isFree, openFresh, showMenu } from '../navigation.js';
import { prompt } from '../prompt.js';
import type { Turn } from '../turn.js';

/**
 * An invitation to rate: asked at once when the person is free (at the menu), otherwise
 * kept until they send «تقييم», so it never cuts into a request or a researcher's chat.
 */
export function onSurveyInvite(turn: Turn, surveyId: string, params: Record<string, string | number>): void {
  turn.s.pendingSurvey = surveyId;
  if (isFree(turn)) {
    turn.say('survey.invite', params);
    return startSurvey(turn, surveyId);
  }
  turn.say('survey.inviteLater', params);
}

/** The rating questions: for the invitation kept, or unasked. */
export function startSurvey(turn: Turn, surveyId: string | null): void {
  openFresh(turn, 'survey', surveyId ? { survey_id: surveyId } : {});
  prompt(turn);
}

export function submitSurvey(turn: Turn, draft: Draft): void {
  turn.ask(
    {
      type: 'submit_survey',
      surveyId: typeof draft.answers.survey_id === 'string' ? draft.answers.survey_id : null,
      submissionId: draft.id,
      rating: Number(String(draft.answers.survey_rating).slice(1)),
      comment: draft.answers.survey_comment ? String(draft.answers.survey_comment) : null,
    },
    'survey',
  );
}

export function onSurveyAnswered(turn: Turn, result: Extract<RequestResult, { request: 'submit_survey' }>): void {
  turn.s.pendingSurvey = null;
  turn.say(result.outcome === 'recorded' ? 'survey.thanks' : 'survey.already');
  showMenu(turn);
}
