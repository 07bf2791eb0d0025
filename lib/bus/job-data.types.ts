import type { Type } from '@nestjs/common';

/**
 * What job data is once it has been through the queue: JSON. These types make `handle(data)` say what the worker
 * gives it, so a field JSON would change (a Date arrives as its ISO string) is a type error at `@Job` and at dispatch
 * rather than a surprise at run time. Laravel's SerializesModels has no equivalent here: pass ids, load records in
 * `handle`.
 */

type JsonPrimitive = string | number | boolean | null;

/** Values JSON.stringify changes or drops. */
type NotJson = Date | bigint | symbol | ((...args: never[]) => unknown) | Map<unknown, unknown> | Set<unknown> | RegExp | Promise<unknown>;

type WhyNotJson<T> = T extends Date
  ? 'a Date arrives as its ISO string: type the field string and pass date.toISOString()'
  : T extends bigint
    ? 'a bigint cannot be sent: pass a string or a number'
    : 'functions, Maps, Sets, RegExps and promises do not survive JSON: pass plain values';

/** Stands where a type cannot travel in job data; the compiler's message shows `why`. */
export interface NotPlainJson<Why extends string> {
  readonly 'job data must be plain JSON': Why;
}

/**
 * `T` as JSON carries it: plain objects, arrays, strings, numbers, booleans and null stay as they are (interfaces
 * included); a Date, bigint, function, Map, Set, RegExp or promise becomes a `NotPlainJson` that nothing is
 * assignable to. `unknown` and `any` stay as they are.
 */
export type Jsonify<T> = unknown extends T
  ? T
  : T extends JsonPrimitive | undefined
    ? T
    : T extends NotJson
      ? NotPlainJson<WhyNotJson<T>>
      : T extends object
        ? { [K in keyof T]: Jsonify<T[K]> }
        : never;

/** The type `handle`'s first parameter is declared with, as written. */
export type HandleDataOf<C> = C extends Type<{ handle(data: infer D, ...rest: never[]): unknown }> ? D : never;

/**
 * `unknown` for a job class whose `handle` takes plain JSON; otherwise a property the class lacks, so `@Job` on it
 * fails to compile with the offending field marked `NotPlainJson<...>`.
 */
export type PlainJsonHandler<C> = [HandleDataOf<C>] extends [Jsonify<HandleDataOf<C>>]
  ? unknown
  : { 'handle(data) must take plain JSON data, as the worker gives it': Jsonify<HandleDataOf<C>> };
