describe('without @nestjs-cls/transactional installed', () => {
  it('sends afterCommit() dispatches at once: no transaction can be open', () => {
    jest.isolateModules(() => {
      jest.doMock('@nestjs-cls/transactional', () => {
        throw Object.assign(new Error("Cannot find module '@nestjs-cls/transactional'"), { code: 'MODULE_NOT_FOUND' });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TransactionResolver } = require('../../lib/bus/transactions/transaction-resolver') as typeof import('../../lib/bus/transactions/transaction-resolver');
      const resolver = new TransactionResolver();
      resolver.onModuleInit();
      expect(resolver.resolve(true, false)).toBeNull();
      expect(resolver.resolve(undefined, true)).toBeNull();
    });
  });

  it('never loads it itself when the app has not (nestjs-cls would turn on promise hooks for the whole process)', () => {
    jest.isolateModules(() => {
      let loaded = 0;
      jest.doMock('@nestjs-cls/transactional', () => {
        loaded++;
        return {};
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TransactionResolver } = require('../../lib/bus/transactions/transaction-resolver') as typeof import('../../lib/bus/transactions/transaction-resolver');
      const resolver = new TransactionResolver();
      resolver.onModuleInit();
      expect(resolver.resolve(true, false)).toBeNull();
      expect(resolver.resolve(undefined, true)).toBeNull();
      expect(loaded).toBe(0);
    });
  });
});
