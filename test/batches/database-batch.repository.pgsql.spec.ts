import { describeSqlBatchRepository } from './sql-batch-repository.suite';

describeSqlBatchRepository('pgsql');
