import { describeDatabaseQueueDriverContract } from './database-queue-driver.suite';

describeDatabaseQueueDriverContract('pgsql', 'Database driver on PostgreSQL');
