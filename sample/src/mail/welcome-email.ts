import type { User } from '../users/user.repository';
import type { Mailable } from './mailable';

/** The seed's WelcomeEmail mailable. */
export function welcomeEmail(user: User): Mailable {
  const first = user.name.split(' ')[0];
  return {
    to: { name: user.name, address: user.email },
    subject: `Welcome to Meet2Be, ${first}!`,
    text: `Hi ${first},\n\nYour Meet2Be account is ready. Create your first event at https://meet2be.test/events/new.\n\nThe Meet2Be team`,
    html: `<p>Hi ${escapeHtml(first)},</p><p>Your Meet2Be account is ready. <a href="https://meet2be.test/events/new">Create your first event</a>.</p><p>The Meet2Be team</p>`,
  };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
