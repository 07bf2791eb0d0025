import { createHash } from 'node:crypto';
import { Job, JobContext, OnQueue } from '../../../lib';
import { Database } from '../database/database';
import { AppLog } from '../support/app-log';
import { HttpClient } from '../webhooks/http-client';
import { WebhookException } from '../webhooks/webhook.exception';

export interface ProcessWebhookData {
  url: string;
  payload: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Seconds before each retry of a webhook whose receiver answered 5xx: the seed's `$backoff`. */
export const WEBHOOK_BACKOFF = [30, 60, 120, 300, 600];

/** md5(url . json_encode(payload)), the seed's uniqueId(). */
export function webhookUniqueId(data: ProcessWebhookData): string {
  return createHash('md5').update(data.url + JSON.stringify(data.payload)).digest('hex');
}

/**
 * The seed's ProcessWebhook: 5 tries, one job per url and payload at a time. A 5xx answer releases the job for
 * the backoff of this attempt (30, 60, 120, 300, 600 s); a 4xx fails it at once with a WebhookException; a
 * success is logged in `webhook_logs`.
 *
 * Two differences from the seed's text, both fixes: after `fail()` the job returns (the seed goes on and logs the
 * failed call as sent), and the HTTP retry covers connection errors only (Laravel's `retry(3, 100)` would throw on
 * the third 5xx before the job could choose between release and fail).
 */
@Job<ProcessWebhookData>({ tries: 5, backoff: WEBHOOK_BACKOFF, unique: { id: webhookUniqueId } })
@OnQueue('webhooks')
export class ProcessWebhook {
  constructor(
    private readonly http: HttpClient,
    private readonly db: Database,
    private readonly log: AppLog,
  ) {}

  async handle(data: ProcessWebhookData, job: JobContext<ProcessWebhookData>): Promise<void> {
    const response = await this.http.post(data.url, data.payload, {
      headers: data.headers,
      timeout: 30,
      retry: { times: 3, sleepMs: 100 },
    });

    if (!response.successful()) {
      this.log.warning('Webhook failed', { url: data.url, status: response.status, body: response.body });

      if (response.serverError()) {
        // Retry later for server errors
        job.release(WEBHOOK_BACKOFF[job.attempts - 1] ?? 600);
        return;
      }

      // Don't retry for client errors
      job.fail(new WebhookException(`Webhook returned ${response.status}: ${response.body}`));
      return;
    }

    // Log successful webhook
    await this.db.table('webhook_logs').insert({
      url: data.url,
      payload: JSON.stringify(data.payload),
      response: response.body,
      status: response.status,
      sent_at: new Date().toISOString(),
    });
    this.log.info('Webhook delivered', { url: data.url, status: response.status });
  }
}
