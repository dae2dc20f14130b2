import { createHash } from 'node:crypto';
import type { EngineRequest } from '../../engine/events.js';
import type { RequestResult } from '../../engine/input.js';
import type { SurveyRepository } from '../../models/survey-repository.js';
import type { ChatLocks } from '../chat-lock.js';
import type { RequestOrigin } from './origin.js';

export interface SurveyDeps {
  surveys: SurveyRepository;
  chatLocks: ChatLocks;
}

/** A rating: the answer to an invitation of this chat (once), or one given unasked (once per draft). */
export async function submitSurvey(
  deps: SurveyDeps,
  request: Extract<EngineRequest, { type: 'submit_survey' }>,
  origin: RequestOrigin,
): Promise<RequestResult> {
  if (request.surveyId) {
    const surveyId = request.surveyId;
    const outcome = await deps.chatLocks.exclusive(`survey:${surveyId}`, () =>
      deps.surveys.answer(surveyId, origin.chatKey, request.rating, request.comment, origin.now, origin.messageMark),
    );
    if (outcome !== 'unknown') return { request: 'submit_survey', outcome };
  }
  const id = `srv_asked_${createHash('sha256').update(`${origin.chatKey}:${request.submissionId}`).digest('hex').slice(0, 24)}`;
  await deps.surveys.rateUnasked(id, origin.chatKey, origin.channel, request.rating, request.comment, origin.now);
  return { request: 'submit_survey', outcome: 'recorded' };
}
