/** Records per page of every job list (Horizon's). */
export const PER_PAGE = 50;

/** Horizon's `starting_at` for a 1-based page: the index after which the page's first record sits. */
export function startingAt(page: number): number {
  return (page - 1) * PER_PAGE - 1;
}
