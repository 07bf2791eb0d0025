import { ON_QUEUE_EVENT_METADATA } from '../queue.constants';
import type { QueueEventClass } from '../events/queue-event.classes';

/** Calls the method with every event of the given class (JobFailed, JobProcessed, ...). */
export function OnQueueEvent(...events: QueueEventClass[]): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const existing: QueueEventClass[] = Reflect.getMetadata(ON_QUEUE_EVENT_METADATA, descriptor.value as object) ?? [];
    Reflect.defineMetadata(ON_QUEUE_EVENT_METADATA, [...existing, ...events], descriptor.value as object);
  };
}
