import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { get, send } from '../api';
import type { BatchesResponse, BatchResponse, BatchView } from '../api-types';
import { Layout, PageTitle } from '../components/layout';
import { PER_PAGE } from '../components/pager';
import { Badge, Card, Empty, ErrorBox, Field, Loading } from '../components/ui';
import { dateTime, number } from '../format';
import { Link, route } from '../router';
import { usePoll } from '../poll';
import { NotFoundOr } from './job-detail';

export function batchStatus(batch: BatchView): 'cancelled' | 'finished' | 'failed' | 'pending' {
  if (batch.cancelledAt) return 'cancelled';
  if (batch.finishedAt) return batch.failedJobs > 0 ? 'failed' : 'finished';
  return batch.pendingJobs > 0 && batch.failedJobs > 0 && batch.pendingJobs === batch.failedJobs ? 'failed' : 'pending';
}

const STATUS_LABEL = { cancelled: 'Cancelled', finished: 'Finished', failed: 'Failures', pending: 'Pending' } as const;

export function Progress({ value }: { value: number }): JSX.Element {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div class="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Batch progress">
      <div class="progress-bar" style={{ width: `${pct}%` }} />
      <span class="progress-label">{pct}%</span>
    </div>
  );
}

export function BatchesPage(): JSX.Element {
  /** Cursors of the pages seen: [undefined, id after page 1, ...]. */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const list = usePoll((signal) => get<BatchesResponse>('batches', { before_id: before }, signal), `batches:${before ?? ''}`);
  const batches = list.data?.batches;
  return (
    <Layout section="batches">
      <PageTitle>Batches</PageTitle>
      <Card title="Batches">
        {list.error && <ErrorBox error={list.error} />}
        {!list.data && !list.error && <Loading />}
        {batches &&
          (batches.length === 0 ? (
            <Empty>{cursors.length > 1 ? 'No older batch.' : 'There are no batches.'}</Empty>
          ) : (
            <table class="table" id="batches">
              <thead>
                <tr>
                  <th>Batch</th>
                  <th>Status</th>
                  <th class="num">Size</th>
                  <th class="num">Failed</th>
                  <th class="progress-col">Completion</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {batches.map((b) => (
                  <tr key={b.id} data-batch-id={b.id}>
                    <td>
                      <Link to={route('batches', b.id)} class="job-name">
                        {b.name || b.id}
                      </Link>
                      <div class="sub">
                        <code>{b.id}</code>
                      </div>
                    </td>
                    <td>
                      <Badge status={batchStatus(b)} label={STATUS_LABEL[batchStatus(b)]} />
                    </td>
                    <td class="num">{number(b.totalJobs)}</td>
                    <td class="num">{number(b.failedJobs)}</td>
                    <td>
                      <Progress value={b.progress} />
                    </td>
                    <td class="nowrap">{dateTime(b.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        {batches && (cursors.length > 1 || batches.length >= PER_PAGE) && (
          <nav class="pager" aria-label="Pages">
            <button type="button" class="btn" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              ‹ Newer
            </button>
            <span class="pager-info">Page {cursors.length}</span>
            <button type="button" class="btn" disabled={batches.length < PER_PAGE} onClick={() => setCursors((c) => [...c, batches[batches.length - 1].id])}>
              Older ›
            </button>
          </nav>
        )}
      </Card>
    </Layout>
  );
}

export function BatchPage({ id }: { id: string }): JSX.Element {
  const detail = usePoll((signal) => get<BatchResponse>(`batches/${encodeURIComponent(id)}`, undefined, signal), `batch:${id}`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [retried, setRetried] = useState(false);
  const batch = detail.data?.batch;
  const retry = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await send('POST', `batches/retry/${encodeURIComponent(id)}`);
      setRetried(true);
      detail.reload();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  const failedIds = batch ? batch.failedJobIds : [];
  const failedById = new Map((detail.data?.failedJobs ?? []).map((j) => [j.id, j]));
  return (
    <Layout section="batches">
      <PageTitle
        actions={
          batch &&
          failedIds.length > 0 && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void retry()}>
              {busy ? 'Retrying…' : 'Retry failed jobs'}
            </button>
          )
        }
      >
        {batch ? batch.name || 'Batch' : 'Batch'}
      </PageTitle>
      {error && <ErrorBox error={error} />}
      {retried && !error && <p class="notice">The failed jobs were queued again.</p>}
      {detail.error && <NotFoundOr error={detail.error} what="This batch" />}
      {!detail.data && !detail.error && <Loading />}
      {batch && (
        <>
          <Card title="Batch">
            <dl class="fields">
              <Field label="ID">
                <code>{batch.id}</code>
              </Field>
              <Field label="Name">{batch.name || '—'}</Field>
              <Field label="Status">
                <Badge status={batchStatus(batch)} label={STATUS_LABEL[batchStatus(batch)]} />
              </Field>
              <Field label="Progress">
                <Progress value={batch.progress} />
              </Field>
              <Field label="Total jobs">{number(batch.totalJobs)}</Field>
              <Field label="Pending jobs">{number(batch.pendingJobs)}</Field>
              <Field label="Processed jobs">{number(batch.processedJobs)}</Field>
              <Field label="Failed jobs">{number(batch.failedJobs)}</Field>
              <Field label="Created at">{dateTime(batch.createdAt)}</Field>
              {batch.finishedAt && <Field label="Finished at">{dateTime(batch.finishedAt)}</Field>}
              {batch.cancelledAt && <Field label="Cancelled at">{dateTime(batch.cancelledAt)}</Field>}
            </dl>
          </Card>
          <Card title={`Failed jobs (${number(failedIds.length)})`} id="batch-failed">
            {failedIds.length === 0 ? (
              <Empty>No job of this batch has failed.</Empty>
            ) : (
              <table class="table">
                <thead>
                  <tr>
                    <th>Job</th>
                    <th>Failed at</th>
                  </tr>
                </thead>
                <tbody>
                  {failedIds.slice(0, 500).map((jobId) => {
                    const job = failedById.get(jobId);
                    return (
                      <tr key={jobId} data-job-id={jobId}>
                        <td>
                          <Link to={route('failed', jobId)}>{job ? job.name : <code>{jobId}</code>}</Link>
                          {job && (
                            <div class="sub">
                              <code>{jobId}</code>
                            </div>
                          )}
                        </td>
                        <td class="nowrap">{job ? dateTime(job.failedAt) : '—'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            {failedIds.length > 500 && <p class="muted">…and {number(failedIds.length - 500)} more.</p>}
          </Card>
        </>
      )}
    </Layout>
  );
}
