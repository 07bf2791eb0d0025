import { ON_FAILED_METADATA } from '../queue.constants';

/** Marks the method called once when the job has failed for good: `(data, error, job)`. */
export function OnFailed(): MethodDecorator {
  return (target, propertyKey) => {
    Reflect.defineMetadata(ON_FAILED_METADATA, propertyKey, target.constructor);
  };
}
