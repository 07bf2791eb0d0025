// The app `scripts/measure-supervisor.js` runs under `supervise` and `work`: one no-op job, the Redis and prefix
// of the measurement (REDIS_URL, QUEUE_PREFIX), and one supervisor of PROCESSES processes on 'default'.
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { QueueModule, Job } = require(process.env.NESTJS_QUEUE_DIST);

class NoopJob {
  async handle() {}
}
Reflect.decorate([Job()], NoopJob);

const processes = Number(process.env.PROCESSES || 1);
const queueOptions = {
  default: 'redis',
  redis: { queue: { url: process.env.REDIS_URL } },
  connections: { redis: { driver: 'redis', connection: 'queue', queue: 'default', retryAfter: 90, blockFor: null } },
  failed: { driver: 'redis' },
  batching: { driver: 'redis' },
  prefix: process.env.QUEUE_PREFIX || 'bench-supervisor:',
  supervisors: { bench: { s: { queue: ['default'], balance: false, processes, sleep: 0.05, memory: 0 } } },
};

class AppModule {}
Reflect.decorate([Module({ imports: [QueueModule.forRoot(queueOptions)], providers: [NoopJob] })], AppModule);

module.exports = { AppModule, NoopJob, queueOptions };
