import { outboxSuite, otherDatabaseSuite } from './support/outbox.suite';

outboxSuite('sqlite');
otherDatabaseSuite();
