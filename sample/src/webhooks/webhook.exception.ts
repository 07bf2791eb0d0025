/** A webhook receiver refused the call (a 4xx answer): retrying will not help. */
export class WebhookException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookException';
  }
}
