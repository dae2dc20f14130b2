import { describe, expect, it } from 'vitest';
import { defineFlow, FlowDefinitionError } from '../../../src/engine/flow-definition.js';
import { withAnswerOptions } from '../../../src/engine/answers.js';

/** A two-question flow: a count, then a list checked against it. */
function flow(optionsFrom: Record<string, string>) {
  return {
    id: 'test_flow',
    version: 1,
    start: 'count',
    steps: {
      count: { kind: 'question', prompt: 'q.count', answer: { type: 'validated', validator: 'count' }, next: [{ to: 'ages' }] },
      ages: {
        kind: 'question',
        prompt: 'q.ages',
        answer: { type: 'validated', validator: 'age_list', options: { max: 29 }, optionsFrom },
        next: [{ to: 'end' }],
      },
    },
  };
}

describe('options taken from earlier answers', () => {
  it('must name a step of the flow', () => {
    expect(() => defineFlow(flow({ family: 'count' }), ['count', 'age_list'])).not.toThrow();
    expect(() => defineFlow(flow({ family: 'size' }), ['count', 'age_list'])).toThrow(FlowDefinitionError);
    expect(() => defineFlow(flow({ family: 'size' }), ['count', 'age_list'])).toThrow('takes an option from unknown step "size"');
  });

  it('fill in the answer when it is a number, and nothing otherwise', () => {
    const spec = { type: 'validated' as const, validator: 'age_list', options: { max: 29 }, optionsFrom: { family: 'count' } };
    expect(withAnswerOptions(spec, { count: 4 }).options).toEqual({ max: 29, family: 4 });
    expect(withAnswerOptions(spec, {}).options).toEqual({ max: 29 });
    expect(withAnswerOptions(spec, { count: 'four' }).options).toEqual({ max: 29 });
  });
});
