import { Job, JobContext, Middleware, SkipIfBatchCancelled } from '../../../../lib';
import type { ImportRow } from '../../imports/import-row';
import { WithDatabaseTransaction } from '../../middleware/with-database-transaction';
import { UserRepository } from '../../users/user.repository';

export interface ImportUserChunkData {
  chunk: ImportRow[];
  index: number;
}

/**
 * The seed's ImportUserChunk: inserts one chunk of users, all or none (WithDatabaseTransaction: a duplicate
 * e-mail rolls the whole chunk back and fails the job). Skipped once its batch has been cancelled.
 */
@Job()
@Middleware(new SkipIfBatchCancelled(), WithDatabaseTransaction)
export class ImportUserChunk {
  constructor(private readonly users: UserRepository) {}

  async handle(data: ImportUserChunkData, _job: JobContext<ImportUserChunkData>): Promise<void> {
    for (const row of data.chunk) await this.users.create(row);
  }
}
