import type { Meter, Tracer } from '@opentelemetry/api';
import { otelApi, OtelApi } from './otel-api';
import { INSTRUMENTATION_NAME } from './telemetry.attributes';

const VERSION = libraryVersion();

/**
 * The tracer of the registered OpenTelemetry SDK, or null while none is registered. `@opentelemetry/api` hands out
 * a proxy provider whose delegate stays the no-op one until an SDK registers; the answer is kept per delegate,
 * so each call costs a global look-up and one comparison, and an SDK registered later is still picked up.
 */
export class TracerSource {
  private readonly api: OtelApi | null = otelApi();
  private readonly noop: unknown = this.api ? noopTracerProvider(this.api) : undefined;
  private delegate: unknown = undefined;
  private tracer: Tracer | null = null;

  current(): Tracer | null {
    const api = this.api;
    if (!api) return null;
    const provider = api.trace.getTracerProvider();
    const delegate = provider instanceof api.ProxyTracerProvider ? provider.getDelegate() : provider;
    if (delegate !== this.delegate) {
      this.delegate = delegate;
      this.tracer = delegate === this.noop ? null : delegate.getTracer(INSTRUMENTATION_NAME, VERSION);
    }
    return this.tracer;
  }
}

/**
 * The meter of the registered OpenTelemetry metrics SDK, or null while none is registered (the API then hands out
 * its no-op meter). `onChange` runs when the provider changes, so instruments are made on the meter in use.
 */
export class MeterSource {
  private readonly api: OtelApi | null = otelApi();
  private provider: unknown = undefined;
  private meter: Meter | null = null;

  constructor(private readonly onChange: (meter: Meter | null) => void) {}

  current(): Meter | null {
    const api = this.api;
    if (!api) return null;
    const provider = api.metrics.getMeterProvider();
    if (provider !== this.provider) {
      this.provider = provider;
      const meter = provider.getMeter(INSTRUMENTATION_NAME, VERSION);
      this.meter = meter === api.createNoopMeter() ? null : meter;
      this.onChange(this.meter);
    }
    return this.meter;
  }
}

/** The API's own no-op tracer provider: what a fresh proxy delegates to. */
function noopTracerProvider(api: OtelApi): unknown {
  return typeof api.ProxyTracerProvider === 'function' ? new api.ProxyTracerProvider().getDelegate() : undefined;
}

function libraryVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}
