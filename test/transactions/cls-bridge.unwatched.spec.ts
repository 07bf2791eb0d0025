import { UnwatchedTransactionError } from '../../lib';

describe('a @nestjs-cls/transactional transaction nestjs-queue cannot watch', () => {
  it('refuses an afterCommit dispatch inside it rather than send the job before the commit', () => {
    jest.isolateModules(() => {
      const active = { tx: {}, isTransactionActive: () => true };
      // The app has loaded @nestjs-cls/transactional (nestjs-queue only uses the copy the app loaded), and one of its
      // hosts holds no adapter options nestjs-queue can wrap.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const transactional = require('@nestjs-cls/transactional') as { TransactionHost: { _instanceMap: Map<symbol, unknown> } };
      transactional.TransactionHost._instanceMap.set(Symbol('unwatchable'), active);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TransactionResolver } = require('../../lib/bus/transactions/transaction-resolver') as typeof import('../../lib/bus/transactions/transaction-resolver');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const errors = require('../../lib/errors') as { UnwatchedTransactionError: typeof UnwatchedTransactionError };
      const resolver = new TransactionResolver();
      resolver.onModuleInit();
      expect(() => resolver.resolve(true, false)).toThrow(errors.UnwatchedTransactionError);
      expect(() => resolver.resolve(true, false)).toThrow(/does not hold the adapter options/);
      expect(resolver.resolve(false, true)).toBeNull();
    });
  });
});
