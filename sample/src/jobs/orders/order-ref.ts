/** What every order job carries: the order's id (the order itself is read when the job runs). */
export interface OrderRef {
  orderId: number;
}

/** Formats cents as euros for mails. */
export function euros(cents: number): string {
  return `€${(cents / 100).toFixed(2)}`;
}
