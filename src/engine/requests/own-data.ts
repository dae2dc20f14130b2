import type { RequestResult } from '../input.js';
import type { AnswerValue } from '../session.js';
import { keptDraftFlows } from '../drafts.js';
import { repeatQuestion } from '../navigation.js';
import { answerLines } from '../prompt.js';
import type { Turn } from '../turn.js';

/** /mydata: everything the association holds about this chat, for the person to read. */
export function askOwnData(turn: Turn): void {
  turn.ask({ type: 'export_own_data' }, 'mydata');
}

/**
 * A readable copy of what the association holds about this chat — each request with every
 * answer labelled as on the review, an unfinished request, suggestions, complaints and
 * volunteering, ratings, and the consent — then how to ask for deletion.
 */
export function onOwnData(turn: Turn, data: Extract<RequestResult, { request: 'export_own_data' }>): void {
  const blocks: string[] = [];
  const linesOf = (flowId: string, version: number | undefined, answers: Record<string, AnswerValue>) => {
    const flow = turn.catalog.get(flowId, version);
    return flow ? answerLines(turn, flow, answers) : [];
  };
  for (const c of data.cases) {
    blocks.push(
      [
        turn.t('mydata.case', { reference: c.reference, status: turn.t(`caseStatus.${c.status}`), submittedAt: c.submittedAt }),
        ...linesOf(c.flow, c.flowVersion, c.answers),
        // What the committee wrote about them is theirs to read too.
        ...(c.decisionWords ? [turn.t('mydata.decision', { words: c.decisionWords })] : []),
      ].join('\n'),
    );
  }
  for (const flowId of keptDraftFlows(turn)) {
    const draft = turn.s.drafts[flowId];
    if (draft && Object.keys(draft.answers).length > 0) blocks.push([turn.t('mydata.draft'), ...linesOf(flowId, undefined, draft.answers)].join('\n'));
  }
  for (const r of data.records) blocks.push(turn.t(`mydata.record.${r.kind}`, { reference: r.reference, createdAt: r.createdAt }));
  if (data.ratings > 0) blocks.push(turn.t('mydata.ratings', { count: data.ratings }));
  if (turn.s.consent) blocks.push(turn.t('mydata.consent', { version: turn.s.consent.version, at: turn.s.consent.at.slice(0, 10) }));
  turn.say(blocks.length === 0 ? 'mydata.nothing' : 'mydata.header');
  for (const block of blocks) turn.send({ text: block });
  turn.say('mydata.footer');
  repeatQuestion(turn);
}
