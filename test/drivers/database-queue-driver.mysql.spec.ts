import { describeDatabaseQueueDriverContract } from './database-queue-driver.suite';

describeDatabaseQueueDriverContract('mysql', 'Database driver on MariaDB');
