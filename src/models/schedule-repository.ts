import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './mongo-errors.js';

interface ScheduleDoc {
  /** The job's name, e.g. `weekly-report`. */
  _id: string;
  /** When it is next due. */
  nextAt: Date;
  /** Came due and not yet done (the staff side does it and clears this). */
  pending: boolean;
}

const scheduleSchema = new Schema<ScheduleDoc>({ _id: String, nextAt: Date, pending: Boolean }, { versionKey: false, collection: 'schedules' });

/**
 * Recurring jobs whose due time lives in MongoDB, so a restarted or wiped Redis skips none:
 * the sweeper takes a due job (moving its next time on and marking it pending) and the
 * worker that does it clears the mark. The caller serialises `takeDue` per job (a Redis
 * lock): FerretDB does not serialise concurrent writes to one document.
 */
export class ScheduleRepository {
  private readonly model: Model<ScheduleDoc>;

  constructor(connection: Connection) {
    this.model = connection.models.Schedule ?? connection.model<ScheduleDoc>('Schedule', scheduleSchema);
  }

  /** When the job is first seen, it is first due at `firstAt`. */
  async arm(name: string, firstAt: Date): Promise<void> {
    try {
      await this.model.collection.insertOne({ _id: name, nextAt: firstAt, pending: false } as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Takes the job when due: true once per due time, with the next time set and the job marked pending. */
  async takeDue(name: string, now: Date, nextAt: (due: Date) => Date): Promise<boolean> {
    const doc = await this.model.findById(name).lean<ScheduleDoc>();
    if (!doc || doc.nextAt > now) return false;
    let next = nextAt(doc.nextAt);
    // After a long stop, one run for the missed times, not one for each.
    while (next <= now) next = nextAt(next);
    const result = await this.model.updateOne({ _id: name, nextAt: doc.nextAt }, { $set: { nextAt: next, pending: true } });
    return result.modifiedCount === 1;
  }

  async isPending(name: string): Promise<boolean> {
    return (await this.model.countDocuments({ _id: name, pending: true }, { limit: 1 })) > 0;
  }

  async done(name: string): Promise<void> {
    await this.model.updateOne({ _id: name }, { $set: { pending: false } });
  }
}
