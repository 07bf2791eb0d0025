import { knexAfterCommitSuite } from './support/knex-after-commit.suite';

knexAfterCommitSuite('sqlite');
