/** A delay in seconds, or the moment it ends. */
export type SecondsOrDate = number | Date;

/** Whole seconds from now until `value` (a Date), or `value` itself (seconds); never negative. */
export function secondsUntil(value: SecondsOrDate): number {
  if (value instanceof Date) return Math.max(0, Math.ceil((value.getTime() - Date.now()) / 1000));
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`Expected a number of seconds (0 or more), got ${value}.`);
  return value;
}
