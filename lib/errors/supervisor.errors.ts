import { QueueError } from './queue.error';

/** `supervise --environment=x` found no supervisors under `supervisors.x`. */
export class NoSupervisorsError extends QueueError {
  constructor(environment: string, known: string[]) {
    super(
      `No supervisors are configured for the environment "${environment}" (supervisors.${environment}); ` +
        (known.length
          ? `configured environments: ${known.join(', ')}. Pass --environment=<name> or set NODE_ENV.`
          : 'add them under `supervisors` in QueueModule.forRoot().'),
    );
  }
}

/** No connection of the configuration is on Redis, so there is nowhere to register masters or keep metrics. */
export class SupervisorRedisMissingError extends QueueError {
  constructor() {
    super('Supervisors keep their registry, commands and metrics in Redis, but no redis connection is configured: add one under `connections`.');
  }
}
