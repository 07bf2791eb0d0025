import { QueueError } from './queue.error';

/** A queue name (or list of them) that no worker could serve or that could not have keys of its own. */
export class InvalidQueueNameError extends QueueError {
  constructor(
    readonly queue: string,
    message: string,
  ) {
    super(message);
  }
}
