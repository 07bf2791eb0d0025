import type { User } from '../users/user.repository';
import type { Mailable } from './mailable';

/** The templates SendTransactionalEmail may use: a subject and a text body with `{{placeholders}}`. */
const TEMPLATES: Record<string, { subject: string; text: string }> = {
  'ticket-confirmation': { subject: 'Your ticket for {{event}}', text: 'Hi {{name}},\n\nyour ticket {{ticket}} for {{event}} is confirmed.' },
  'event-reminder': { subject: '{{event}} starts tomorrow', text: 'Hi {{name}},\n\n{{event}} starts tomorrow at {{time}}. See you there!' },
  'password-reset': { subject: 'Reset your Meet2Be password', text: 'Hi {{name}},\n\nreset your password here: {{link}}' },
};

export class UnknownTemplateError extends Error {
  constructor(template: string) {
    super(`Unknown email template "${template}"; known: ${Object.keys(TEMPLATES).join(', ')}`);
    this.name = 'UnknownTemplateError';
  }
}

/** The seed's DynamicEmail mailable: a named template filled with the job's data (and the user's name). */
export function dynamicEmail(user: User, template: string, data: Record<string, string | number>): Mailable {
  const source = TEMPLATES[template];
  if (!source) throw new UnknownTemplateError(template);
  const values: Record<string, string | number> = { name: user.name.split(' ')[0], ...data };
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key] ?? `{{${key}}}`));
  return { to: { name: user.name, address: user.email }, subject: fill(source.subject), text: fill(source.text) };
}
