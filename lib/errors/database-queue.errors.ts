import { QueueError } from './queue.error';

/**
 * A job given to a database queue driver's ack, release or extend was not handed out by a database driver (it has
 * no row id and attempts to name its reservation).
 */
export class ForeignReservationError extends QueueError {
  constructor(connection: string) {
    super(
      `The job given to the database queue connection "${connection}" was not reserved by a database connection; ` +
        'ack, release and extend only the jobs its pop returned.',
    );
  }
}
