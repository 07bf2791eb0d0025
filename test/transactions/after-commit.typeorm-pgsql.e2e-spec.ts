import { clsAfterCommitSuite } from './support/cls-after-commit.suite';
import { typeOrmHarness } from './support/typeorm-harness';

clsAfterCommitSuite('TypeORM adapter, pgsql', () => typeOrmHarness('pgsql'), { independentTransactions: true });
