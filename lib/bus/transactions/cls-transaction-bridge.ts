import { AsyncLocalStorage } from 'node:async_hooks';
import { AfterCommitDispatchError, UnwatchedTransactionError } from '../../errors';
import { HeldTransaction } from './held-transaction';
import { transactionSqlOf } from './transaction-sql';

/** What nestjs-queue uses of a @nestjs-cls/transactional TransactionHost (its public `tx` and `isTransactionActive`). */
interface HostLike {
  readonly tx: unknown;
  isTransactionActive(): boolean;
}

type Wrap = (options: unknown, fn: (...args: unknown[]) => Promise<unknown>, setTx: (tx?: unknown) => void, tx?: unknown) => Promise<unknown>;

/** The adapter's options (TransactionalAdapterOptions, the adapter's public interface) as the host keeps them. */
interface AdapterOptionsLike {
  wrapWithTransaction?: Wrap;
  wrapWithNestedTransaction?: Wrap;
  [WATCHED]?: true;
}

interface TransactionalModuleLike {
  TransactionHost: { getInstance(name?: string): HostLike; _instanceMap?: unknown };
}

interface Frame {
  held: HeldTransaction;
  host: HostLike;
  parent: Frame | undefined;
}

const WATCHED = Symbol('nestjs-queue.watched');
const SOURCE = '@nestjs-cls/transactional';
/** The transactions of @nestjs-cls/transactional that the current code runs in, innermost first. */
const frames = new AsyncLocalStorage<Frame>();

/**
 * Sees the transactions of @nestjs-cls/transactional (any adapter: TypeORM, Prisma, knex, your own). The library
 * has no after-commit hook, so at start-up each TransactionHost's adapter functions (`wrapWithTransaction`,
 * `wrapWithNestedTransaction`, the adapter's public TransactionalAdapterOptions) are wrapped: the promise they
 * return settles after the commit or the rollback, and that is when held jobs are sent or dropped. A failed send
 * after the commit rejects the transaction's own promise with an AfterCommitDispatchError (the data is committed).
 * The library is an optional peer, used when the app has loaded it; without it nothing here does anything.
 */
export class ClsTransactionBridge {
  private module: TransactionalModuleLike | null | undefined;
  /** Where @nestjs-cls/transactional resolves from here; null when it is not installed. */
  private path: string | null | undefined;
  private readonly unwatchable = new Map<HostLike, string>();

  /** Wraps every TransactionHost registered so far (called at module init, and again before each ambient look-up). */
  install(): void {
    for (const host of this.hosts()) this.watch(host);
  }

  /**
   * The innermost open transaction the caller runs in, or null when there is none. Throws when a transaction is
   * open that could not be watched (a job must then not be sent before its commit, nor silently at once).
   */
  current(): HeldTransaction | null {
    for (let frame = frames.getStore(); frame; frame = frame.parent) {
      if (frame.held.isOpen && frame.host.isTransactionActive()) return frame.held;
    }
    if (this.module === null) return null;
    this.install();
    for (const host of this.hosts()) {
      if (host.isTransactionActive()) {
        throw new UnwatchedTransactionError(this.unwatchable.get(host) ?? 'the transaction began before nestjs-queue could watch its TransactionHost');
      }
    }
    return null;
  }

  private hosts(): HostLike[] {
    const mod = this.load();
    if (!mod) return [];
    const map = mod.TransactionHost._instanceMap;
    if (map instanceof Map) return [...map.values()].filter(isHost);
    try {
      return [mod.TransactionHost.getInstance()];
    } catch {
      return [];
    }
  }

  /**
   * The @nestjs-cls/transactional the app has loaded, or null. It is never loaded from here: an app that uses it
   * has imported it before its providers (its TransactionHosts) are made, and loading it otherwise would only turn
   * on nestjs-cls's async context tracking (promise hooks, paid on every await in the process) for nothing.
   */
  private load(): TransactionalModuleLike | null {
    if (this.module) return this.module;
    if (this.path === undefined) {
      try {
        this.path = require.resolve(SOURCE);
      } catch (error) {
        if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
        this.path = null;
      }
    }
    if (this.path === null) return (this.module = null);
    const loaded = require.cache[this.path] as { loaded?: boolean; exports?: Partial<TransactionalModuleLike> } | undefined;
    // Not loaded (yet): no transaction of it can be open. Looked up again next time (one property read).
    if (!loaded?.loaded || !loaded.exports) return null;
    this.module = loaded.exports.TransactionHost ? (loaded.exports as TransactionalModuleLike) : null;
    return this.module;
  }

  private watch(host: HostLike): void {
    const options = (host as unknown as { _options?: AdapterOptionsLike })._options;
    if (!options || typeof options.wrapWithTransaction !== 'function') {
      this.unwatchable.set(host, 'its TransactionHost does not hold the adapter options nestjs-queue wraps');
      return;
    }
    if (options[WATCHED]) return;
    options[WATCHED] = true;
    const wrap = options.wrapWithTransaction;
    options.wrapWithTransaction = (txOptions, fn, setTx) =>
      runWatched(host, null, (watchedFn) => wrap.call(options, txOptions, watchedFn, setTx), fn);
    const nested = options.wrapWithNestedTransaction;
    if (typeof nested === 'function') {
      options.wrapWithNestedTransaction = (txOptions, fn, setTx, tx) =>
        runWatched(host, innermostOf(host), (watchedFn) => nested.call(options, txOptions, watchedFn, setTx, tx), fn);
    }
  }
}

/** The innermost open transaction of this host the caller runs in (the parent of a savepoint). */
function innermostOf(host: HostLike): HeldTransaction | null {
  for (let frame = frames.getStore(); frame; frame = frame.parent) {
    if (frame.host === host && frame.held.isOpen) return frame.held;
  }
  return null;
}

/**
 * Runs an adapter's transaction with a hold-until-commit queue for it: the queue is made when the adapter calls
 * the body (the transaction's `tx` is set by then), settled when the adapter's promise does. A body called again
 * (an adapter retrying a transaction) drops what the attempt before had held.
 */
async function runWatched(
  host: HostLike,
  parent: HeldTransaction | null,
  start: (fn: (...args: unknown[]) => Promise<unknown>) => Promise<unknown>,
  body: (...args: unknown[]) => Promise<unknown>,
): Promise<unknown> {
  let held: HeldTransaction | null = null;
  const outer = frames.getStore();
  let result: unknown;
  try {
    result = await start(async (...args) => {
      if (held) await held.rollback();
      const sql = transactionSqlOf(host.tx);
      const current = parent ? parent.child(`${SOURCE} (nested)`, sql) : new HeldTransaction(SOURCE, sql);
      held = current;
      return frames.run({ held: current, host, parent: outer }, () => body(...args));
    });
  } catch (error) {
    if (held) await (held as HeldTransaction).rollback();
    throw error;
  }
  if (held) {
    const errors = await (held as HeldTransaction).commit();
    if (errors.length) throw new AfterCommitDispatchError(errors);
  }
  return result;
}

function isHost(v: unknown): v is HostLike {
  return typeof v === 'object' && v !== null && typeof (v as HostLike).isTransactionActive === 'function';
}
