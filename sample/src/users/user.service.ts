import { Injectable } from '@nestjs/common';
import { Bus } from '../../../lib';
import { SendWelcomeEmail } from '../jobs/send-welcome-email.job';
import { User, UserRepository } from './user.repository';

/** Signing up: the user is created, then welcomed by mail from the queue. */
@Injectable()
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly bus: Bus,
  ) {}

  async register(name: string, email: string): Promise<User> {
    const user = await this.users.create({ name, email });
    await this.bus.dispatch(SendWelcomeEmail, { userId: user.id });
    return user;
  }
}
