import { QueueError } from '../errors';

/**
 * Stands in for a collaborator the fakes never use (the dispatcher, the batch coordinator): any use throws an
 * error saying so, instead of sending a job from a test.
 */
export function notWired<T>(what: string): T {
  return new Proxy(
    {},
    {
      get(_target, property) {
        if (typeof property === 'symbol' || property === 'toJSON' || property === 'then') return undefined;
        throw new QueueError(
          `BusFake reached the real ${what} (.${property}): a Bus method it does not fake yet. Fake it in lib/testing, or test with the real Bus.`,
        );
      },
    },
  ) as T;
}
