// With OTEL_BLOCK_API=1, `@opentelemetry/*` cannot be required in this process, as in an app that does not have
// the optional peer installed. Imported first by traced-worker-main.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('node:module');

if (process.env.OTEL_BLOCK_API === '1') {
  const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = resolver._resolveFilename;
  resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    if (request.startsWith('@opentelemetry/')) {
      throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    }
    return resolve.call(this, request, ...rest);
  };
}
