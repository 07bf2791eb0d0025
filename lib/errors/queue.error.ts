/** Base class of every error nestjs-queue throws on purpose. */
export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
