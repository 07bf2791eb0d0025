import type { Knex } from 'knex';

/** The part of knex's client the driver uses to run statements on a pooled connection of its own choosing. */
interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown> | unknown;
  acquireRawConnection(): Promise<unknown>;
  destroyRawConnection(connection: unknown): Promise<unknown>;
}

const clientOf = (knex: Knex): PoolClient => (knex as unknown as { client: PoolClient }).client;

/**
 * Runs `work` on one connection of knex's pool (returned to the pool after), for the statements the driver
 * prepares itself: the hot paths skip knex's query compilation and reuse prepared statements.
 */
export async function withPooledConnection<C, T>(knex: Knex, work: (connection: C) => Promise<T> | T): Promise<T> {
  const client = clientOf(knex);
  const connection = (await client.acquireConnection()) as C;
  try {
    return await work(connection);
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A new connection outside the pool (PostgreSQL's LISTEN connection), with knex's connection settings. */
export async function openRawConnection<C>(knex: Knex): Promise<C> {
  return (await clientOf(knex).acquireRawConnection()) as C;
}

export async function closeRawConnection(knex: Knex, connection: unknown): Promise<void> {
  await clientOf(knex).destroyRawConnection(connection);
}
