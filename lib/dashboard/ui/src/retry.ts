import { useState } from 'preact/hooks';
import { send } from './api';

/** Retries failed jobs by id (POST jobs/retry/:id each), remembering which are in flight and the last error. */
export function useRetry(after: () => void): {
  retrying: ReadonlySet<string>;
  error: Error | undefined;
  retry: (ids: readonly string[]) => Promise<void>;
} {
  const [retrying, setRetrying] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<Error | undefined>();
  const retry = async (ids: readonly string[]): Promise<void> => {
    setError(undefined);
    setRetrying((s) => new Set([...s, ...ids]));
    const results = await Promise.allSettled(ids.map((id) => send('POST', `jobs/retry/${encodeURIComponent(id)}`)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) setError(failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason)));
    setRetrying((s) => new Set([...s].filter((id) => !ids.includes(id))));
    after();
  };
  return { retrying, error, retry };
}
