import { openQueueDatabase } from '../../lib/drivers/database/knex-connections';

describe('opening a database for the queue driver', () => {
  it('names the databases entry whose client it does not run on', () => {
    expect(() => openQueueDatabase('sqlite', { client: 'oracledb', connection: {} })).toThrow('Invalid queue configuration at "databases.sqlite.client"');
  });
});
