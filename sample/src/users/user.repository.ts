import { Injectable } from '@nestjs/common';
import { MissingRecordError } from '../../../lib';
import { Database } from '../database/database';

export interface User {
  id: number;
  name: string;
  email: string;
}

/** Users (the seed's App\Models\User\User). */
@Injectable()
export class UserRepository {
  constructor(private readonly db: Database) {}

  async find(id: number): Promise<User | null> {
    const row = await this.db.table<User>('users').where({ id }).first('id', 'name', 'email');
    return row ?? null;
  }

  /** The user, or a MissingRecordError (Laravel's ModelNotFoundException). */
  async findOrFail(id: number): Promise<User> {
    const user = await this.find(id);
    if (!user) throw new MissingRecordError(`No user with id ${id}.`);
    return user;
  }

  async create(user: { id?: number; name: string; email: string }): Promise<User> {
    const [id] = await this.db.table('users').insert({ ...user, created_at: new Date().toISOString() });
    return { id: user.id ?? Number(id), name: user.name, email: user.email };
  }

  async findByEmail(email: string): Promise<User | null> {
    const row = await this.db.table<User>('users').where({ email }).first('id', 'name', 'email');
    return row ?? null;
  }

  async count(): Promise<number> {
    const [{ n }] = await this.db.table('users').count<{ n: number }[]>({ n: '*' });
    return Number(n);
  }
}
