/** Sleeps that stop() can cut short. */
export class Sleeper {
  private readonly waking = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waking.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waking.add(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waking]) wake();
  }
}
