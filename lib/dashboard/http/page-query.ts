import { BadRequestException } from '@nestjs/common';

export const MAX_PAGE = 1000;

/** `?starting_at=&limit=` checked: starting_at an integer ≥ -1 (default -1), limit 1..1000 (default `fallback`). */
export function pageQuery(startingAt: unknown, limit: unknown, fallback = 50): { startingAt: number; limit: number } {
  return {
    startingAt: integer(startingAt, 'starting_at', -1, Number.MAX_SAFE_INTEGER, -1),
    limit: integer(limit, 'limit', 1, MAX_PAGE, fallback),
  };
}

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new BadRequestException(`?${name}= must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}
