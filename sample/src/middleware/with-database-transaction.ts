import { Injectable } from '@nestjs/common';
import type { JobContext, JobMiddleware } from '../../../lib';
import { Database } from '../database/database';

/**
 * The seed's WithDatabaseTransaction job middleware: the job (and the middleware after this one) runs inside one
 * database transaction, committed when it returns and rolled back when it throws. An injectable class: the
 * worker resolves it through Nest's DI.
 */
@Injectable()
export class WithDatabaseTransaction implements JobMiddleware {
  constructor(private readonly db: Database) {}

  async handle(_job: JobContext, next: () => Promise<void>): Promise<void> {
    await this.db.transaction(() => next());
  }
}
