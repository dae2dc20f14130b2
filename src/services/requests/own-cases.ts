import type { RequestResult } from '../../engine/input.js';
import type { CaseRepository } from '../../models/case-repository.js';
import { summaryOf, type RequestOrigin } from './origin.js';

/** A chat only ever learns about its own cases: both look-ups are found by the chat. */
export interface OwnCasesDeps {
  cases: CaseRepository;
}

/** The chat's open request, if any: the guard of a new request and of a withdrawal. */
export async function findOwnOpenCase(deps: OwnCasesDeps, origin: RequestOrigin): Promise<RequestResult> {
  const found = await deps.cases.findOpenByChat(origin.chatKey);
  return { request: 'find_own_open_case', openCase: found && summaryOf(found, origin.lang) };
}

/** "My requests": the chat's requests, newest first. */
export async function findOwnCases(deps: OwnCasesDeps, origin: RequestOrigin): Promise<RequestResult> {
  const cases = await deps.cases.listByChat(origin.chatKey);
  return { request: 'find_own_cases', cases: cases.map((c) => summaryOf(c, origin.lang)) };
}
