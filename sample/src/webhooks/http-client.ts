import { Injectable } from '@nestjs/common';

export interface HttpResponse {
  status: number;
  body: string;
  successful(): boolean;
  serverError(): boolean;
  clientError(): boolean;
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Seconds before the request is abandoned (Http::timeout). */
  timeout: number;
  /** Tries on a connection error, and milliseconds between them (Http::retry). */
  retry: { times: number; sleepMs: number };
}

/**
 * A small HTTP client on Node's fetch (Laravel's Http facade, as ProcessWebhook uses it). `retry` covers connection
 * errors only; a response, whatever its status, is returned for the caller to judge — as the seed's job reads
 * `$response->serverError()` itself.
 */
@Injectable()
export class HttpClient {
  async post(url: string, payload: unknown, options: PostOptions): Promise<HttpResponse> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= options.retry.times; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(options.timeout * 1000),
        });
        return toResponse(response.status, await response.text());
      } catch (error) {
        lastError = error;
        if (attempt < options.retry.times) await new Promise((resolve) => setTimeout(resolve, options.retry.sleepMs));
      }
    }
    throw new Error(`POST ${url} failed after ${options.retry.times} tries: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }
}

function toResponse(status: number, body: string): HttpResponse {
  return {
    status,
    body,
    successful: () => status >= 200 && status < 300,
    serverError: () => status >= 500,
    clientError: () => status >= 400 && status < 500,
  };
}
