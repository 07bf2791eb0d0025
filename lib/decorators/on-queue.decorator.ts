import { SetMetadata } from '@nestjs/common';
import { ON_QUEUE_METADATA } from '../queue.constants';

export interface OnQueueMetadata {
  queue: string;
  connection?: string;
}

/** The queue (and connection) a job goes to unless the dispatch says otherwise. */
export function OnQueue(queue: string, connection?: string): ClassDecorator {
  return SetMetadata<string, OnQueueMetadata>(ON_QUEUE_METADATA, { queue, connection });
}
