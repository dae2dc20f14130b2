/**
 * The support request: every field the association's form asks, one question at a time,
 * then a review, the signed declaration and the submission (policy steps 2, 4 and 5).
 *
 * Step ids are the answer fields. Questions that do not apply (a rent for an owned
 * home, an income proof for no income) are skipped by `skipIf`, and their answers are
 * left out of the request even if given before a change.
 */
export const supportRequestFlow = {
  id: 'support_request',
  version: 1,
  title: 'request.title',
  guard: 'no_open_case',
  keepsDraft: true,
  start: 'consent',
  steps: {
    consent: { kind: 'consent', prompt: 'privacy.notice', reprompt: 'privacy.question', next: [{ to: 'for_whom' }] },
    for_whom: {
      kind: 'question',
      prompt: 'q.forWhom',
      label: 'label.forWhom',
      answer: {
        type: 'choice',
        options: [
          { id: 'self', label: 'opt.forWhom.self' },
          { id: 'family_member', label: 'opt.forWhom.familyMember' },
        ],
      },
      next: [{ to: 'relationship' }],
    },
    relationship: {
      kind: 'question',
      prompt: 'q.relationship',
      label: 'label.relationship',
      skipIf: { not: { field: 'for_whom', equals: 'family_member' } },
      answer: {
        type: 'choice',
        options: [
          { id: 'parent', label: 'opt.relationship.parent' },
          { id: 'spouse', label: 'opt.relationship.spouse' },
          { id: 'child', label: 'opt.relationship.child' },
          { id: 'sibling', label: 'opt.relationship.sibling' },
          { id: 'other', label: 'opt.relationship.other' },
        ],
      },
      next: [{ to: 'full_name' }],
    },
    full_name: {
      kind: 'question',
      prompt: 'q.fullName',
      label: 'label.fullName',
      answer: { type: 'validated', validator: 'name' },
      next: [{ to: 'national_id' }],
    },
    national_id: {
      kind: 'question',
      prompt: 'q.nationalId',
      label: 'label.nationalId',
      answer: { type: 'validated', validator: 'national_id' },
      check: 'national_id',
      next: [{ to: 'mobile' }],
    },
    mobile: { kind: 'question', prompt: 'q.mobile', label: 'label.mobile', answer: { type: 'validated', validator: 'saudi_mobile' }, next: [{ to: 'city' }] },
    city: { kind: 'question', prompt: 'q.city', label: 'label.city', answer: { type: 'validated', validator: 'place' }, next: [{ to: 'district' }] },
    district: {
      kind: 'question',
      prompt: 'q.district',
      label: 'label.district',
      answer: { type: 'validated', validator: 'place' },
      next: [{ to: 'marital_status' }],
    },
    marital_status: {
      kind: 'question',
      prompt: 'q.maritalStatus',
      label: 'label.maritalStatus',
      answer: {
        type: 'choice',
        options: [
          { id: 'single', label: 'opt.marital.single' },
          { id: 'married', label: 'opt.marital.married' },
          { id: 'divorced', label: 'opt.marital.divorced' },
          { id: 'widowed', label: 'opt.marital.widowed' },
        ],
      },
      next: [{ to: 'family_count' }],
    },
    family_count: {
      kind: 'question',
      prompt: 'q.familyCount',
      label: 'label.familyCount',
      answer: { type: 'validated', validator: 'count', options: { min: 1, max: 30 } },
      next: [{ to: 'dependants_ages' }],
    },
    dependants_ages: {
      kind: 'question',
      prompt: 'q.dependantsAges',
      label: 'label.dependantsAges',
      skipIf: { not: { field: 'family_count', gt: 1 } },
      answer: { type: 'validated', validator: 'age_list', options: { max: 29 }, optionsFrom: { family: 'family_count' } },
      next: [{ to: 'monthly_income' }],
    },
    monthly_income: {
      kind: 'question',
      prompt: 'q.monthlyIncome',
      label: 'label.monthlyIncome',
      answer: { type: 'validated', validator: 'amount', options: { min: 0, max: 200000 } },
      next: [{ to: 'income_sources' }],
    },
    income_sources: {
      kind: 'question',
      prompt: 'q.incomeSources',
      label: 'label.incomeSources',
      skipIf: { not: { field: 'monthly_income', gt: 0 } },
      answer: {
        type: 'multi_choice',
        options: [
          { id: 'salary', label: 'opt.income.salary' },
          { id: 'social_security', label: 'opt.income.socialSecurity' },
          { id: 'citizen_account', label: 'opt.income.citizenAccount' },
          { id: 'pension', label: 'opt.income.pension' },
          { id: 'charity', label: 'opt.income.charity' },
          { id: 'other', label: 'opt.income.other' },
        ],
      },
      next: [{ to: 'housing' }],
    },
    housing: {
      kind: 'question',
      prompt: 'q.housing',
      label: 'label.housing',
      answer: {
        type: 'choice',
        options: [
          { id: 'owned', label: 'opt.housing.owned' },
          { id: 'rented', label: 'opt.housing.rented' },
          { id: 'other', label: 'opt.housing.other' },
        ],
      },
      next: [{ to: 'monthly_rent' }],
    },
    monthly_rent: {
      kind: 'question',
      prompt: 'q.monthlyRent',
      label: 'label.monthlyRent',
      skipIf: { not: { field: 'housing', equals: 'rented' } },
      answer: { type: 'validated', validator: 'amount', options: { min: 1, max: 100000 } },
      next: [{ to: 'support_type' }],
    },
    support_type: {
      kind: 'question',
      prompt: 'q.supportType',
      label: 'label.supportType',
      answer: {
        type: 'choice',
        options: [
          { id: 'food', label: 'opt.support.food' },
          { id: 'rent', label: 'opt.support.rent' },
          { id: 'bills', label: 'opt.support.bills' },
          { id: 'medical', label: 'opt.support.medical' },
          { id: 'education', label: 'opt.support.education' },
          { id: 'other', label: 'opt.support.other' },
        ],
      },
      next: [{ to: 'description' }],
    },
    description: {
      kind: 'question',
      prompt: 'q.description',
      label: 'label.description',
      answer: { type: 'validated', validator: 'text', options: { min: 10, max: 1000 } },
      next: [{ to: 'doc_id' }],
    },
    doc_id: { kind: 'question', prompt: 'q.docId', label: 'label.docId', answer: { type: 'document', maxFiles: 4 }, next: [{ to: 'doc_family_card' }] },
    doc_family_card: {
      kind: 'question',
      prompt: 'q.docFamilyCard',
      label: 'label.docFamilyCard',
      skipIf: { not: { field: 'family_count', gt: 1 } },
      answer: { type: 'document', maxFiles: 4, later: true },
      next: [{ to: 'doc_income_proof' }],
    },
    doc_income_proof: {
      kind: 'question',
      prompt: 'q.docIncomeProof',
      label: 'label.docIncomeProof',
      skipIf: { not: { field: 'monthly_income', gt: 0 } },
      answer: { type: 'document', maxFiles: 6, later: true },
      next: [{ to: 'doc_lease' }],
    },
    doc_lease: {
      kind: 'question',
      prompt: 'q.docLease',
      label: 'label.docLease',
      skipIf: {
        not: {
          any: [
            { field: 'housing', equals: 'rented' },
            { field: 'support_type', equals: 'rent' },
          ],
        },
      },
      answer: { type: 'document', maxFiles: 6, later: true },
      next: [{ to: 'doc_medical' }],
    },
    doc_medical: {
      kind: 'question',
      prompt: 'q.docMedical',
      label: 'label.docMedical',
      skipIf: { not: { field: 'support_type', equals: 'medical' } },
      answer: { type: 'document', maxFiles: 10, later: true },
      next: [{ to: 'review' }],
    },
    review: { kind: 'review', prompt: 'review.prompt', next: [{ to: 'declaration' }] },
    declaration: {
      kind: 'declaration',
      prompt: 'declaration.text',
      reprompt: 'declaration.question',
      declarationVersion: 'declaration-2026-1',
      next: [{ to: 'action:submit_case' }],
    },
  },
} as const;
