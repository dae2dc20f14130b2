/**
 * The short flows besides the support request: a suggestion or complaint (the policy's
 * "follow up their suggestions") and volunteer registration (its "volunteer service").
 * Each ends by handing its answers to the caller (`action:submit_record`), which stores
 * them, gives a reference and alerts the staff who hold the matching role.
 */

/** A suggestion or a complaint, with an optional photo or file. */
export const feedbackFlow = {
  id: 'feedback',
  version: 1,
  start: 'feedback_kind',
  title: 'feedback.title',
  steps: {
    feedback_kind: {
      kind: 'question',
      prompt: 'feedback.kind',
      label: 'label.feedback.kind',
      answer: {
        type: 'choice',
        options: [
          { id: 'suggestion', label: 'opt.feedback.suggestion' },
          { id: 'complaint', label: 'opt.feedback.complaint' },
        ],
      },
      next: [{ to: 'feedback_text' }],
    },
    feedback_text: {
      kind: 'question',
      prompt: 'feedback.text',
      label: 'label.feedback.text',
      answer: { type: 'validated', validator: 'text', options: { min: 5, max: 2000 } },
      next: [{ to: 'feedback_attach' }],
    },
    feedback_attach: { kind: 'question', prompt: 'feedback.attach', answer: { type: 'yes_no' }, next: [{ to: 'feedback_files' }] },
    feedback_files: {
      kind: 'question',
      prompt: 'feedback.files',
      answer: { type: 'document', maxFiles: 3 },
      skipIf: { not: { field: 'feedback_attach', equals: true } },
      next: [{ to: 'action:submit_record' }],
    },
  },
} as const;

/** Registering as a volunteer; the coordinator contacts them. */
export const volunteerFlow = {
  id: 'volunteer',
  version: 1,
  start: 'volunteer_consent',
  title: 'volunteer.title',
  steps: {
    // Its own short notice: what a volunteer gives is not what the request's privacy notice describes.
    volunteer_consent: {
      kind: 'question',
      prompt: 'volunteer.consent',
      answer: { type: 'yes_no' },
      next: [{ when: { field: 'volunteer_consent', equals: true }, to: 'volunteer_name' }, { to: 'action:declined' }],
    },
    volunteer_name: {
      kind: 'question',
      prompt: 'volunteer.name',
      label: 'label.fullName',
      answer: { type: 'validated', validator: 'name' },
      next: [{ to: 'volunteer_mobile' }],
    },
    volunteer_mobile: {
      kind: 'question',
      prompt: 'volunteer.mobile',
      label: 'label.mobile',
      answer: { type: 'validated', validator: 'saudi_mobile' },
      next: [{ to: 'volunteer_city' }],
    },
    volunteer_city: {
      kind: 'question',
      prompt: 'volunteer.city',
      label: 'label.city',
      answer: { type: 'validated', validator: 'place' },
      next: [{ to: 'volunteer_skills' }],
    },
    volunteer_skills: {
      kind: 'question',
      prompt: 'volunteer.skills',
      label: 'label.volunteer.skills',
      answer: { type: 'validated', validator: 'text', options: { min: 3, max: 500 } },
      next: [{ to: 'volunteer_availability' }],
    },
    volunteer_availability: {
      kind: 'question',
      prompt: 'volunteer.availability',
      label: 'label.volunteer.availability',
      answer: {
        type: 'choice',
        options: [
          { id: 'weekday_mornings', label: 'opt.availability.weekdayMornings' },
          { id: 'weekday_evenings', label: 'opt.availability.weekdayEvenings' },
          { id: 'weekends', label: 'opt.availability.weekends' },
          { id: 'flexible', label: 'opt.availability.flexible' },
        ],
      },
      next: [{ to: 'action:submit_record' }],
    },
  },
} as const;

/**
 * Rating the service (the policy: rating is the beneficiary's right, a tool for improvement,
 * never for blame): from an invitation after a decision or a service, or whenever they like.
 */
export const surveyFlow = {
  id: 'survey',
  version: 1,
  start: 'survey_rating',
  title: 'survey.title',
  steps: {
    survey_rating: {
      kind: 'question',
      prompt: 'survey.rating',
      answer: {
        type: 'choice',
        options: [
          { id: 'r5', label: 'survey.r5' },
          { id: 'r4', label: 'survey.r4' },
          { id: 'r3', label: 'survey.r3' },
          { id: 'r2', label: 'survey.r2' },
          { id: 'r1', label: 'survey.r1' },
        ],
      },
      next: [{ to: 'survey_comment' }],
    },
    survey_comment: {
      kind: 'question',
      prompt: 'survey.comment',
      answer: { type: 'validated', validator: 'optional_comment' },
      next: [{ to: 'action:submit_survey' }],
    },
  },
} as const;

/** Answering a researcher's request for information: the files asked for (if any), then any words. */
export const infoFlow = {
  id: 'info',
  version: 1,
  start: 'info_files',
  title: 'info.title',
  steps: {
    info_files: { kind: 'question', prompt: 'info.files', answer: { type: 'document', maxFiles: 6, optional: true }, next: [{ to: 'info_text' }] },
    info_text: { kind: 'question', prompt: 'info.text', answer: { type: 'validated', validator: 'optional_comment' }, next: [{ to: 'action:submit_info' }] },
  },
} as const;

/**
 * Asking the association to erase one's data (the Personal Data Protection Law's right to
 * erasure): a confirmation that says what goes and what stays, then a request an
 * administrator decides (`action:request_erasure`).
 */
export const erasureFlow = {
  id: 'erase',
  version: 1,
  start: 'erase_confirm',
  steps: {
    erase_confirm: {
      kind: 'question',
      prompt: 'erase.confirm',
      answer: { type: 'yes_no' },
      next: [{ when: { field: 'erase_confirm', equals: true }, to: 'action:request_erasure' }, { to: 'end' }],
    },
  },
} as const;
