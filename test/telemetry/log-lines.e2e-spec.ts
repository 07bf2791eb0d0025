import { inspect } from 'node:util';
import { Logger } from '@nestjs/common';
import { Job, JobContext, OnFailed } from '../../lib';
import { JobLogLine } from '../../lib/telemetry/job-log-line';
import { createQueueApp, QueueTestApp } from '../support/queue-app';
import { registerOtel, TestOtel } from './support/otel-sdk';

@Job({ name: 'otel-logged' })
class LoggedJob {
  async handle(data: { secret: string }): Promise<void> {
    throw new Error(`handle failed (data length ${data.secret.length})`);
  }

  @OnFailed()
  failed(): void {
    throw new Error('the failure handler broke');
  }
}

describe('telemetry: job log lines', () => {
  let otel: TestOtel;
  let t: QueueTestApp;
  let logged: unknown[][];
  let spy: jest.SpyInstance;
  beforeAll(() => {
    otel = registerOtel({ metrics: false });
  });
  afterAll(() => otel.shutdown());
  beforeEach(async () => {
    logged = [];
    spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    t = await createQueueApp([LoggedJob]);
  });
  afterEach(async () => {
    spy.mockRestore();
    await t.close();
  });

  it("carry the job's id, name, connection, queue and attempt and the trace id, never its data, to any Nest logger", async () => {
    const id = (await t.bus.dispatch(LoggedJob, { secret: 'p4ssw0rd-in-the-data' })) as string;
    await t.worker.run({ stopWhenEmpty: true, sleep: 0, tries: 1 });
    const line = logged.map((args) => args[0]).find((m) => m instanceof JobLogLine) as JobLogLine;
    expect(line).toBeDefined();
    const span = otel.spans().find((s) => s.name === 'process default' && s.attributes['messaging.message.id'] === id);
    expect(span).toBeDefined();
    expect(line).toMatchObject({
      jobId: id, jobName: 'otel-logged', connection: 'redis', queue: 'default', attempt: 1,
      traceId: span?.spanContext().traceId, spanId: span?.spanContext().spanId,
    });
    expect(line.message).toBe(`The @OnFailed method of otel-logged (id ${id}, queue redis:default, attempt 1) threw: the failure handler broke`);

    // Nest's console logger prints the text as before (it inspects objects); String() gives it too.
    expect(inspect(line)).toBe(line.message);
    expect(String(line)).toBe(line.message);
    // Loggers that take objects get fields: nest-winston spreads them into its meta, nestjs-pino merges them,
    // Nest's console logger with `json: true` serialises them.
    const { message, ...fields } = line;
    expect(message).toBe(line.message);
    expect(fields).toEqual({
      jobId: id, jobName: 'otel-logged', connection: 'redis', queue: 'default', attempt: 1,
      traceId: span?.spanContext().traceId, spanId: span?.spanContext().spanId,
    });
    expect(JSON.parse(JSON.stringify(line))).toMatchObject({ message: line.message, jobId: id, traceId: span?.spanContext().traceId });
    expect(JSON.stringify(logged.map((args) => args.map(String)))).not.toContain('p4ssw0rd');
    expect(JSON.stringify(line)).not.toContain('p4ssw0rd');
  });
});
