import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A question the bot put to a staff member privately and waits on: the reason for a
 * rejection, the support granted, the answer to a suggestion or complaint (`answered`,
 * whose `caseId` is then the record's id), what to ask the beneficiary for (`info`), or a
 * field-visit note and recommendation (`note`).
 */
export interface StaffPrompt {
  staffId: string;
  caseId: string;
  outcome: 'approved' | 'rejected' | 'answered' | 'info' | 'note';
  createdAt: Date;
}

interface PromptDoc {
  _id: string;
  caseId: string;
  outcome: StaffPrompt['outcome'];
  createdAt: Date;
}

const promptSchema = new Schema<PromptDoc>({ _id: String, caseId: String, outcome: String, createdAt: Date }, { versionKey: false, collection: 'staff_prompts' });

/** How long a question put to a staff member waits for its answer. */
const PROMPT_TTL_MS = 60 * 60_000;

/** At most one open prompt per staff member: a new one replaces the old. */
export class StaffPrompts {
  private readonly model: Model<PromptDoc>;

  constructor(connection: Connection) {
    this.model = connection.models.StaffPrompt ?? connection.model<PromptDoc>('StaffPrompt', promptSchema);
  }

  async set(prompt: StaffPrompt): Promise<void> {
    await this.model.replaceOne({ _id: prompt.staffId }, { caseId: prompt.caseId, outcome: prompt.outcome, createdAt: prompt.createdAt }, { upsert: true });
  }

  /**
   * The open prompt, if asked within the last hour: an older one is forgotten, so a text
   * written days later (to a person in a referral, say) is not taken as its answer.
   */
  async get(staffId: string, now = new Date()): Promise<StaffPrompt | null> {
    const doc = await this.model.findById(staffId).lean<PromptDoc>();
    if (!doc || now.getTime() - new Date(doc.createdAt).getTime() > PROMPT_TTL_MS) return null;
    return { staffId: doc._id, caseId: doc.caseId, outcome: doc.outcome, createdAt: doc.createdAt };
  }

  async clear(staffId: string): Promise<void> {
    await this.model.deleteOne({ _id: staffId });
  }
}
