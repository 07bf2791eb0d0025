import { describeDatabaseQueueDriverContract } from './database-queue-driver.suite';

describeDatabaseQueueDriverContract('sqlite', 'Database driver on SQLite');
