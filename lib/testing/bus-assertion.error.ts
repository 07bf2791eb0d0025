import { QueueError } from '../errors';

/** A BusFake assertion did not hold. The message says what was expected and what was dispatched instead. */
export class BusAssertionError extends QueueError {}
