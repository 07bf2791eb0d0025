import { Injectable, Logger } from '@nestjs/common';
import { QueueEvent, QueueEventClass } from './queue-event.classes';

export type QueueEventListener<E extends QueueEvent> = (event: E) => unknown;

/**
 * The queue's event emitter. `has()` lets emitters skip building an event nobody listens to.
 * A listener that throws (or rejects) is logged and never breaks the caller.
 */
@Injectable()
export class QueueEvents {
  private readonly logger = new Logger('QueueEvents');
  private readonly listeners = new Map<QueueEventClass, QueueEventListener<QueueEvent>[]>();

  on<E extends QueueEvent>(event: QueueEventClass<E>, listener: QueueEventListener<E>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as QueueEventListener<QueueEvent>);
    this.listeners.set(event, list);
    return () => this.off(event, listener);
  }

  off<E extends QueueEvent>(event: QueueEventClass<E>, listener: QueueEventListener<E>): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(listener as QueueEventListener<QueueEvent>);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
  }

  has(event: QueueEventClass): boolean {
    return this.listeners.has(event);
  }

  /** Calls every listener of the event's class; waits for async listeners; swallows and logs their errors. */
  async emit(event: QueueEvent): Promise<void> {
    const list = this.listeners.get(event.constructor as QueueEventClass);
    if (!list) return;
    for (const listener of [...list]) {
      try {
        await listener(event);
      } catch (error) {
        this.logger.error(
          `A ${event.constructor.name} listener threw: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
      }
    }
  }
}
