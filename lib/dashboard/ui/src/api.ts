import { DASHBOARD_TOKEN_HEADER } from '../../dashboard-api.types';
import { config } from './config';

/** `x-queue-dashboard-token`: the header every POST and DELETE carries. */
export const TOKEN_HEADER = DASHBOARD_TOKEN_HEADER;

/** An API answer other than 2xx, with the server's message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { message?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (Array.isArray(body.message)) message = body.message.join('; ');
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, message);
}

function url(path: string, query?: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return `${config.apiBase}/${path.replace(/^\//, '')}${search ? `?${search}` : ''}`;
}

export async function get<T>(path: string, query?: Record<string, string | number | undefined>, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url(path, query), { headers: { Accept: 'application/json' }, credentials: 'same-origin', signal });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/** POST or DELETE with the dashboard's token; resolves to the parsed body (or undefined when empty). */
export async function send<T = unknown>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T | undefined> {
  const headers: Record<string, string> = { Accept: 'application/json', [TOKEN_HEADER]: config.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url(path), {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  return text ? (JSON.parse(text) as T) : undefined;
}

/** Path segments are user data (tags, job names): always encoded. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
