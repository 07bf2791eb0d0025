import { MissingRecordError } from '../errors';

/** Turns anything thrown into an Error. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${safeString(thrown)}`);
}

/** The error as the failed-job record keeps it: name, message and stack. */
export function describeError(error: Error): string {
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return stack.startsWith(`${error.name}`) ? stack : `${error.name}: ${error.message}\n${stack}`;
}

/**
 * A missing-record error: our MissingRecordError, TypeORM's EntityNotFoundError, Prisma's P2025,
 * MikroORM's NotFoundError. Recognised by name and code, so none of those libraries is loaded.
 */
export function isMissingRecordError(error: unknown): boolean {
  if (error instanceof MissingRecordError) return true;
  if (!error || typeof error !== 'object') return false;
  const e = error as { name?: unknown; code?: unknown; constructor?: { name?: string } };
  const name = typeof e.name === 'string' ? e.name : e.constructor?.name;
  return name === 'EntityNotFoundError' || name === 'NotFoundError' || name === 'MissingRecordError' || e.code === 'P2025';
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
