import type * as OtelApiModule from '@opentelemetry/api';

/** The `@opentelemetry/api` module, when the app has it installed (an optional peer dependency). */
export type OtelApi = typeof OtelApiModule;

let loaded: OtelApi | null | undefined;

/**
 * Loads `@opentelemetry/api` on first use and remembers the answer: null when it is not installed, and then
 * nothing in nestjs-queue records telemetry. Only this file requires it, so the package works without it.
 */
export function otelApi(): OtelApi | null {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('@opentelemetry/api') as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
