import { z } from 'zod';

/**
 * A condition on the answers gathered so far, used by transitions and `skipIf`.
 *
 * Kept to a handful of shapes so that definitions stay data (and drawable), not code.
 */
export type Condition =
  | { field: string; equals: string | number | boolean }
  | { field: string; in: Array<string | number | boolean> }
  | { field: string; gt: number }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** Zod schema for {@link Condition}. */
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ field: z.string(), equals: z.union([z.string(), z.number(), z.boolean()]) }),
    z.strictObject({ field: z.string(), in: z.array(z.union([z.string(), z.number(), z.boolean()])) }),
    z.strictObject({ field: z.string(), gt: z.number() }),
    z.strictObject({ all: z.array(ConditionSchema) }),
    z.strictObject({ any: z.array(ConditionSchema) }),
    z.strictObject({ not: ConditionSchema }),
  ]),
);

/** One option of a choice question: an id stored as the answer and a message key for its label. */
export const OptionSchema = z.strictObject({ id: z.string().regex(/^[a-z0-9_]+$/), label: z.string() });
export type Option = z.infer<typeof OptionSchema>;

/** What kind of answer a question takes and how it is checked. */
export const AnswerSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('choice'), options: z.array(OptionSchema).min(1) }),
  z.strictObject({ type: z.literal('multi_choice'), options: z.array(OptionSchema).min(1) }),
  z.strictObject({ type: z.literal('yes_no') }),
  /** Free text or a typed value checked by a validator named from the registry. */
  z.strictObject({
    type: z.literal('validated'),
    validator: z.string(),
    options: z.record(z.string(), z.number()).optional(),
    /**
     * Options taken from earlier answers: option name → the id of a question whose answer is a
     * number (the family size for the dependants' ages). An answer that a later change
     * contradicts is dropped, so the question is asked again.
     */
    optionsFrom: z.record(z.string(), z.string()).optional(),
  }),
  /** One or more photos or PDF files, closed by the person saying they are done. */
  z.strictObject({
    type: z.literal('document'),
    maxFiles: z.number().int().positive(),
    /** "Done" with no file is an answer (none to send); otherwise at least one file is needed. */
    optional: z.boolean().optional(),
    /**
     * The person may answer "I will send it later" (recorded as {@link SENT_LATER}): the request
     * is submitted with the document listed as missing, and they send it with «استكمال».
     */
    later: z.boolean().optional(),
  }),
  /** A question for the association: a topic chosen from the FAQ, or free text matched to one (see `FlowCatalog.faq`). */
  z.strictObject({ type: z.literal('faq') }),
]);
export type AnswerSpec = z.infer<typeof AnswerSpecSchema>;

/** The answer of a document question the person will answer later, with «استكمال». */
export const SENT_LATER = 'later';

/** The document questions answered "I will send it later", in the answers' order (a request's: the flow's). */
export function documentsSentLater(answers: Record<string, unknown>): string[] {
  return Object.keys(answers).filter((stepId) => answers[stepId] === SENT_LATER);
}

/**
 * Where a transition leads: a step id of the same flow, or one of
 * `flow:<id>` (start another flow), `action:<name>` (ask the caller to act),
 * `end` (back to the main menu).
 */
export const TargetSchema = z.string().regex(/^(flow:[a-z_]+|action:[a-z_]+|end|[a-z0-9_]+)$/);

/** A conditional transition; the first whose condition holds is taken. */
export const TransitionSchema = z.strictObject({ when: ConditionSchema.optional(), to: TargetSchema });

/** One step of a flow. */
export const StepSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('question'),
    /** Message key of the question. */
    prompt: z.string(),
    /** Message key of a short label for the review screen; absent for questions not reviewed. */
    label: z.string().optional(),
    answer: AnswerSpecSchema,
    /** Skip the question (and drop its answer from the request) when this holds. */
    skipIf: ConditionSchema.optional(),
    /** Ask the caller to check the validated answer before it is recorded. */
    check: z.enum(['national_id']).optional(),
    next: z.array(TransitionSchema).min(1),
  }),
  /** The privacy notice and the explicit consent; passed over when the current notice was already accepted. */
  z.strictObject({
    kind: z.literal('consent'),
    prompt: z.string(),
    /** A short form of the question, asked again after an unclear answer instead of the whole notice. */
    reprompt: z.string().optional(),
    next: z.array(TransitionSchema).min(1),
  }),
  /** Shows every answer on the path and lets the person change any one of them. */
  z.strictObject({ kind: z.literal('review'), prompt: z.string(), next: z.array(TransitionSchema).min(1) }),
  /** The signed statement that the data is correct; accepting it is recorded with time, channel and message id. */
  z.strictObject({
    kind: z.literal('declaration'),
    prompt: z.string(),
    reprompt: z.string().optional(),
    declarationVersion: z.string(),
    next: z.array(TransitionSchema).min(1),
  }),
]);
export type Step = z.infer<typeof StepSchema>;
export type QuestionStep = Extract<Step, { kind: 'question' }>;

/** A whole flow: data, checked at load, versioned so a saved session resumes under the version it began with. */
export const FlowSchema = z.strictObject({
  id: z.string().regex(/^[a-z_]+$/),
  version: z.number().int().positive(),
  start: z.string(),
  /** Before starting, ask the caller whether the chat already has an open request, and show it instead. */
  guard: z.enum(['no_open_case', 'open_case']).optional(),
  /** Keep the draft when the person leaves for the menu (a request); otherwise it ends with the flow (the menu). */
  keepsDraft: z.boolean().default(false),
  /** Message key of the flow's name, shown when a kept draft is resumed. */
  title: z.string().optional(),
  steps: z.record(z.string(), StepSchema),
});
export type Flow = z.infer<typeof FlowSchema>;

/** Thrown when a flow definition is malformed or refers to something that does not exist. */
export class FlowDefinitionError extends Error {
  readonly code = 'FLOW_DEFINITION';
  constructor(message: string) {
    super(message);
    this.name = 'FlowDefinitionError';
  }
}

/**
 * Parses a flow definition and checks its references: every target step exists,
 * every validator is registered, every option taken from an answer names a step.
 */
export function defineFlow(raw: unknown, validatorNames: readonly string[]): Flow {
  const parsed = FlowSchema.safeParse(raw);
  if (!parsed.success) throw new FlowDefinitionError(`invalid flow: ${z.prettifyError(parsed.error)}`);
  const flow = parsed.data;
  const where = `flow ${flow.id}@${flow.version}`;
  if (!flow.steps[flow.start]) throw new FlowDefinitionError(`${where}: start step "${flow.start}" does not exist`);
  for (const [id, step] of Object.entries(flow.steps)) {
    for (const t of step.next) {
      if (!t.to.includes(':') && t.to !== 'end' && !flow.steps[t.to]) {
        throw new FlowDefinitionError(`${where}: step "${id}" leads to unknown step "${t.to}"`);
      }
    }
    if (step.kind === 'question' && step.answer.type === 'validated' && !validatorNames.includes(step.answer.validator)) {
      throw new FlowDefinitionError(`${where}: step "${id}" names unknown validator "${step.answer.validator}"`);
    }
    if (step.kind === 'question' && step.answer.type === 'validated') {
      for (const source of Object.values(step.answer.optionsFrom ?? {}))
        if (!flow.steps[source]) throw new FlowDefinitionError(`${where}: step "${id}" takes an option from unknown step "${source}"`);
    }
  }
  return flow;
}
