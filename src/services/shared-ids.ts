import type { CaseRecord, CaseRepository } from '../models/case-repository.js';
import { ERASED } from '../models/erased.js';

/**
 * The other open cases made under the same national ID, oldest first. A second chat may apply
 * with an ID that already has an open request (the system never tells it so, see
 * requests/national-id.ts), so staff see the cases side by side, by reference only, and speak
 * with the people of each before deciding.
 */
export async function casesSharingId(cases: CaseRepository, record: Pick<CaseRecord, 'id' | 'nationalIdHash'>): Promise<{ id: string; reference: string }[]> {
  if (record.nationalIdHash === ERASED) return [];
  const open = await cases.openWithId(record.nationalIdHash);
  return open.filter((c) => c.id !== record.id).map(({ id, reference }) => ({ id, reference }));
}
