import type { INestApplicationContext } from '@nestjs/common';
import { DEMO } from '../database/demo-data';
import { Mailer } from '../mail/mailer';
import { Storage } from '../filesystem/storage';
import { UserRepository } from '../users/user.repository';

export interface LinkCheck {
  url: string;
  /** Days from now until the link's `expires`. */
  validForDays: number;
  download: { status: number; body: string };
  tampered: { status: number; body: string };
  expired: { status: number; body: string };
}

/** The download link from the "export ready" mail to `userId`, or null when no such mail was sent. */
export function exportLinkIn(mailer: Mailer, email: string): string | null {
  const mail = mailer.sentTo(email).find((m) => m.subject === 'Your attendee export is ready');
  const match = mail?.text.match(/https?:\/\/\S+/);
  return match ? match[0] : null;
}

/**
 * Follows the export's temporary link as the user would, then tries it with a changed signature and as a link
 * signed for a moment already past: the first downloads the CSV, the other two are refused.
 */
export async function checkExportLink(app: INestApplicationContext): Promise<LinkCheck | null> {
  const requester = await app.get(UserRepository).findOrFail(DEMO.users.ada);
  const link = exportLinkIn(app.get(Mailer), requester.email);
  if (!link) return null;
  const url = new URL(link);
  const get = async (target: string) => {
    const response = await fetch(target, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  };
  const signature = url.searchParams.get('signature') ?? '';
  const tampered = new URL(url);
  tampered.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
  const path = decodeURIComponent(url.pathname.slice('/downloads/'.length));
  const expired = app.get(Storage).temporaryUrl(path, new Date(Date.now() - 1000));
  return {
    url: link,
    validForDays: (Number(url.searchParams.get('expires')) * 1000 - Date.now()) / 86400_000,
    download: await get(link),
    tampered: await get(tampered.toString()),
    expired: await get(expired),
  };
}
