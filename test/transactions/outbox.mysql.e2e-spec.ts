import { outboxSuite } from './support/outbox.suite';

outboxSuite('mysql');

