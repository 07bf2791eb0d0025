/** One address, as nodemailer takes it. */
export interface Address {
  name: string;
  address: string;
}

/** A message ready to send (Laravel's Mailable, built). */
export interface Mailable {
  to: Address | string;
  subject: string;
  text: string;
  html?: string;
}

/** What the JSON transport reports for one sent message. */
export interface SentMail {
  messageId: string;
  from: Address;
  to: Address[];
  subject: string;
  text: string;
  html?: string;
}
