import { Injectable, OnModuleInit } from '@nestjs/common';
import { Limit, RateLimiter } from '../../../lib';

/** Event-data processing jobs the whole application may start per minute. */
export const EVENT_PROCESSING_PER_MINUTE = 30;

/**
 * The named rate limiters the jobs' RateLimited middleware refers to (what Laravel defines in a service provider's
 * boot()). `event-processing`: at most 30 event-data jobs a minute across the application.
 */
@Injectable()
export class RateLimits implements OnModuleInit {
  onModuleInit(): void {
    RateLimiter.for('event-processing', () => Limit.perMinute(EVENT_PROCESSING_PER_MINUTE));
  }
}
