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

  it('reports any other failure to load it instead of hiding it', () => {
    jest.isolateModules(() => {
      jest.doMock('@nestjs-cls/transactional', () => {
        throw new Error('broken install');
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TransactionResolver } = require('../../lib/bus/transactions/transaction-resolver') as typeof import('../../lib/bus/transactions/transaction-resolver');
      expect(() => new TransactionResolver().onModuleInit()).toThrow('broken install');
    });
  });
});
