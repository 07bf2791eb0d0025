import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { LuaScript } from '../../redis/lua-script';
import type { RedisClient } from '../../redis/redis-connections';
import { legacyQueueKeys, queueKeys } from './queue-keys';

const DRAIN = new LuaScript(join(__dirname, 'scripts', 'drain-legacy.lua'));

/** Jobs moved per script call (and per kind): keeps each call short however many jobs the old keys hold. */
const CHUNK = 1000;

/** How often a queue's old keys are looked at again while a worker serves it (old producers may still push there). */
export const LEGACY_DRAIN_INTERVAL_MS = 60_000;

/**
 * Moves jobs left on a queue's keys of the old layout (`queues:emails` before every queue was keyed
 * `queues:{emails}`) onto its keys now, so an upgrade strands nothing: on a queue's first pop, size or clear, and
 * again every LEGACY_DRAIN_INTERVAL_MS while it is popped (a process of the old version may still push there
 * during a rolling deploy). Each step is one script (drain-legacy.lua); on the hot path, a queue that is not due
 * costs one Map lookup.
 */
export class LegacyQueueDrain {
  private readonly next = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly cluster: boolean,
    private readonly intervalMs = LEGACY_DRAIN_INTERVAL_MS,
  ) {}

  /**
   * A promise to wait for before touching `queues`, or null when none of them is due. `force` drains now.
   * Never throws: a bad queue name comes back as a rejected promise.
   */
  before(queues: readonly string[], force = false): Promise<void> | null {
    try {
      return this.start(queues, force);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private start(queues: readonly string[], force: boolean): Promise<void> | null {
    let waits: Promise<void>[] | null = null;
    let now = 0;
    for (const queue of queues) {
      const running = this.running.get(queue);
      if (running) {
        (waits ??= []).push(running);
        continue;
      }
      const due = this.next.get(queue);
      if (due !== undefined && !force) {
        if (due === Infinity) continue;
        if (now === 0) now = Date.now();
        if (due > now) continue;
      }
      const legacy = legacyQueueKeys(this.prefix, queue, this.cluster);
      if (!legacy) {
        this.next.set(queue, Infinity);
        continue;
      }
      const first = !this.next.has(queue);
      this.next.set(queue, legacy.movable ? (now || Date.now()) + this.intervalMs : Infinity);
      const k = queueKeys(this.prefix, queue);
      const keys = [legacy.ready, legacy.delayed, legacy.reserved, k.ready, k.delayed, k.notify];
      const drain = (legacy.movable ? this.drain(keys, first) : this.warnIfLeft(queue, keys.slice(0, 3))).then(
        () => void this.running.delete(queue),
        (error: unknown) => {
          this.running.delete(queue);
          this.next.delete(queue); // try again on the next pop
          throw error;
        },
      );
      this.running.set(queue, drain);
      (waits ??= []).push(drain);
    }
    if (!waits) return null;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  /** On a cluster the old keys may sit in another slot: say so once, with what to do, rather than strand jobs silently. */
  private async warnIfLeft(queue: string, legacy: string[]): Promise<void> {
    const left = await this.client.exists(...legacy);
    if (left === 0) return;
    new Logger('nestjs-queue').warn(
      `Queue "${queue}" still has jobs on its keys of the previous release (${legacy[0]}...), in another cluster slot, ` +
        'which this worker cannot move atomically. Run a worker of the previous release on this queue until those keys are gone.',
    );
  }

  private async drain(keys: string[], first: boolean): Promise<void> {
    for (;;) {
      const [, more] = await DRAIN.run<[number, number]>(this.client, keys, [CHUNK, first ? 1 : 0]);
      if (more !== 1) return;
    }
  }
}
