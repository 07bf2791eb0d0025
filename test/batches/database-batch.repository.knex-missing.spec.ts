import { DatabaseBatchRepository } from '../../lib/batches/database-batch.repository';
import { BatchDatabaseDriverMissingError } from '../../lib/errors/batch.errors';
import { QueueError } from '../../lib/errors/queue.error';

describe('DatabaseBatchRepository without knex installed', () => {
  beforeAll(() => {
    jest.doMock('knex', () => {
      const error = new Error("Cannot find module 'knex'") as NodeJS.ErrnoException;
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    });
  });

  afterAll(() => {
    jest.dontMock('knex');
  });

  it('can be constructed (knex is loaded on first use) and then says what to install', async () => {
    const repository = new DatabaseBatchRepository({ client: 'pg', connection: 'postgres://nowhere/db' });
    const failure = repository.setup();
    await expect(failure).rejects.toBeInstanceOf(BatchDatabaseDriverMissingError);
    await expect(repository.find('x')).rejects.toBeInstanceOf(QueueError);
    await expect(repository.setup()).rejects.toThrow(/npm install knex/);
    await repository.close();
  });
});
