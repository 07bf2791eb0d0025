interface Group<K, I, R> {
  key: K;
  items: I[];
  waiters: { resolve: (value: R) => void; reject: (error: unknown) => void }[];
}

/**
 * Collects the calls of one tick that share a key and runs them as one: `run(key, items)` resolves to one result
 * per item, in order. A lone call runs at the end of its tick, so it waits for nothing.
 */
export class TickBatcher<I, R, K = string> {
  private pending: Map<string, Group<K, I, R>> | null = null;

  constructor(
    private readonly run: (key: K, items: I[]) => Promise<R[]>,
    private readonly keyOf: (key: K) => string = (key) => String(key),
  ) {}

  add(key: K, item: I): Promise<R> {
    let pending = this.pending;
    if (!pending) {
      pending = this.pending = new Map();
      process.nextTick(() => this.flush());
    }
    const id = this.keyOf(key);
    let group = pending.get(id);
    if (!group) pending.set(id, (group = { key, items: [], waiters: [] }));
    group.items.push(item);
    const waiters = group.waiters;
    return new Promise<R>((resolve, reject) => waiters.push({ resolve, reject }));
  }

  private flush(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    for (const group of pending.values()) {
      this.run(group.key, group.items).then(
        (results) => group.waiters.forEach((w, i) => w.resolve(results[i])),
        (error: unknown) => group.waiters.forEach((w) => w.reject(error)),
      );
    }
  }
}
