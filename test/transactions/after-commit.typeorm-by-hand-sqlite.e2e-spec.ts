import { typeOrmByHandSuite } from './support/typeorm-by-hand.suite';

typeOrmByHandSuite('sqlite');
