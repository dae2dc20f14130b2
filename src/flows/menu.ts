/**
 * The main menu every conversation returns to (policy step 1: a courteous reception):
 * every service the policy promises a beneficiary, the request first.
 */
export const menuFlow = {
  id: 'menu',
  version: 2,
  start: 'menu',
  steps: {
    menu: {
      kind: 'question',
      prompt: 'menu.prompt',
      answer: {
        type: 'choice',
        options: [
          { id: 'request', label: 'menu.request' },
          { id: 'status', label: 'menu.status' },
          { id: 'questions', label: 'menu.questions' },
          { id: 'researcher', label: 'menu.researcher' },
          { id: 'feedback', label: 'menu.feedback' },
          { id: 'volunteer', label: 'menu.volunteer' },
          { id: 'rate', label: 'menu.rate' },
          { id: 'withdraw', label: 'menu.withdraw' },
          { id: 'language', label: 'menu.language' },
          { id: 'help', label: 'menu.help' },
        ],
      },
      next: [
        { when: { field: 'menu', equals: 'request' }, to: 'flow:support_request' },
        { when: { field: 'menu', equals: 'status' }, to: 'action:show_status' },
        { when: { field: 'menu', equals: 'questions' }, to: 'action:questions' },
        { when: { field: 'menu', equals: 'researcher' }, to: 'action:refer' },
        { when: { field: 'menu', equals: 'feedback' }, to: 'flow:feedback' },
        { when: { field: 'menu', equals: 'volunteer' }, to: 'flow:volunteer' },
        { when: { field: 'menu', equals: 'rate' }, to: 'action:rate' },
        { when: { field: 'menu', equals: 'withdraw' }, to: 'flow:withdraw' },
        { when: { field: 'menu', equals: 'language' }, to: 'action:toggle_language' },
        { to: 'action:show_help' },
      ],
    },
  },
} as const;

/** The first main menu, kept so a session saved at it reads its numbers as they were shown. */
export const menuFlowV1 = {
  id: 'menu',
  version: 1,
  start: 'menu',
  steps: {
    menu: {
      kind: 'question',
      prompt: 'menu.prompt',
      answer: {
        type: 'choice',
        options: [
          { id: 'request', label: 'menu.request' },
          { id: 'status', label: 'menu.status' },
          { id: 'withdraw', label: 'menu.withdraw' },
          { id: 'language', label: 'menu.language' },
          { id: 'help', label: 'menu.help' },
        ],
      },
      next: [
        { when: { field: 'menu', equals: 'request' }, to: 'flow:support_request' },
        { when: { field: 'menu', equals: 'status' }, to: 'action:show_status' },
        { when: { field: 'menu', equals: 'withdraw' }, to: 'flow:withdraw' },
        { when: { field: 'menu', equals: 'language' }, to: 'action:toggle_language' },
        { to: 'action:show_help' },
      ],
    },
  },
} as const;

/** Withdrawing the chat's open request, after a confirmation. */
export const withdrawFlow = {
  id: 'withdraw',
  version: 1,
  guard: 'open_case',
  start: 'confirm',
  steps: {
    confirm: {
      kind: 'question',
      prompt: 'withdraw.confirm',
      answer: { type: 'yes_no' },
      next: [{ when: { field: 'confirm', equals: true }, to: 'action:withdraw_case' }, { to: 'end' }],
    },
  },
} as const;

/**
 * Following a request from another phone: its reference and the last four digits of the
 * national ID it was made for. Only the status is shown, and attempts are limited per
 * reference (by the caller), so the four digits cannot be guessed.
 */
export const trackFlow = {
  id: 'track',
  version: 1,
  start: 'track_reference',
  steps: {
    track_reference: {
      kind: 'question',
      prompt: 'track.reference',
      answer: { type: 'validated', validator: 'case_reference' },
      next: [{ to: 'track_last_four' }],
    },
    track_last_four: {
      kind: 'question',
      prompt: 'track.lastFour',
      answer: { type: 'validated', validator: 'last_four_digits' },
      next: [{ to: 'action:lookup_case' }],
    },
  },
} as const;

/**
 * Questions for the association (the policy: "answer every question"): the topics of the
 * FAQ content, or a question in the person's own words, and a researcher when no answer fits.
 */
export const faqFlow = {
  id: 'faq',
  version: 1,
  start: 'faq_topic',
  title: 'faq.title',
  steps: {
    faq_topic: { kind: 'question', prompt: 'faq.prompt', answer: { type: 'faq' }, next: [{ to: 'end' }] },
  },
} as const;
