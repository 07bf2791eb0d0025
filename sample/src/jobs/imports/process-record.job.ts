import { Job, JobContext, Middleware, SkipIfBatchCancelled } from '../../../../lib';
import type { ImportRow } from '../../imports/import-row';
import { WithDatabaseTransaction } from '../../middleware/with-database-transaction';
import { UserRepository } from '../../users/user.repository';

export interface ProcessRecordData {
  record: ImportRow;
}

/** The seed's ProcessRecord, added to a running import batch with `batch.add()`: imports one more user. */
@Job()
@Middleware(new SkipIfBatchCancelled(), WithDatabaseTransaction)
export class ProcessRecord {
  constructor(private readonly users: UserRepository) {}

  async handle(data: ProcessRecordData, _job: JobContext<ProcessRecordData>): Promise<void> {
    await this.users.create(data.record);
  }
}
