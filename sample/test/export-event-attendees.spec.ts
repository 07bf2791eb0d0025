import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO } from '../src/database/demo-data';
import { ExportEventAttendees } from '../src/jobs/export-event-attendees.job';
import { Mailer } from '../src/mail/mailer';
import { exportLinkIn } from '../src/run/export-link-check';
import { LocalDiskStorage } from '../src/filesystem/local-disk.storage';
import { Storage } from '../src/filesystem/storage';
import { UrlSigner } from '../src/filesystem/url-signer';
import { SampleTestApp, startSampleApp } from './support/sample-app';

describe('ExportEventAttendees', () => {
  let t: SampleTestApp;
  beforeEach(async () => {
    t = await startSampleApp();
  });
  afterEach(() => t.close());

  const exportLink = (): URL => {
    const link = exportLinkIn(t.get(Mailer), 'ada@meet2be.test');
    if (!link) throw new Error('no export-ready mail to ada@meet2be.test');
    return new URL(link);
  };

  it('writes the attendees as CSV, stores it on the disk under exports/<tenant>, and mails a link valid for 7 days', async () => {
    await t.bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada });
    await t.work();
    const url = exportLink();
    expect(url.pathname).toMatch(new RegExp(`^/downloads/exports/${DEMO.tenantId}/[0-9a-f]{40}\\.csv$`));
    const expires = Number(url.searchParams.get('expires')) * 1000;
    expect(expires - Date.now()).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(7 * 86400_000);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      [
        'name,email,company,checked_in,registered_at',
        'Taylor Otwell,Taylor@Laravel.test,Laravel,yes,2026-01-10T09:00:00.000Z',
        'Freek Van der Herten,freek@spatie.test,Spatie,yes,2026-01-11T09:00:00.000Z',
        'Nuno Maduro,nuno@laravel.test,Laravel,no,2026-01-12T09:00:00.000Z',
        'Jess Archer,jess@laravel.test,Laravel,yes,2026-01-13T09:00:00.000Z',
        'Kévin Dunglas,kevin@les-tilleuls.test,Les-Tilleuls.coop,no,2026-01-14T09:00:00.000Z',
        '',
      ].join('\n'),
    );
    const path = decodeURIComponent(url.pathname.slice('/downloads/'.length));
    expect(await t.get(Storage).exists(path)).toBe(true);
    expect(t.get(Storage)).toBeInstanceOf(LocalDiskStorage);
    expect(readdirSync(join(t.settings.storageDir, 'exports'))).toEqual([]);
  });

  it('completes in a worker run with once, as the seed\'s feature test runs queue:work --once', async () => {
    await t.bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada });
    expect(await t.worker.run({ connection: 'redis-long', queue: 'exports', once: true, sleep: 0, memory: 0 })).toBe('once');
    expect(readdirSync(join(t.settings.storageDir, 'app', 'exports', String(DEMO.tenantId)))).toHaveLength(1);
    expect(t.get(Mailer).sentTo('ada@meet2be.test').map((m) => m.subject)).toEqual(['Your attendee export is ready']);
  });

  it('quotes fields as CSV needs', async () => {
    await t.db.table('attendees').insert({
      event_id: DEMO.events.laracon, name: 'O"Brien, Pat', email: 'pat@x.test', company: 'Line\nBreak', checked_in: false, registered_at: '2026-02-01T00:00:00.000Z',
    });
    await t.bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada });
    await t.work();
    const body = await (await fetch(exportLink())).text();
    expect(body.endsWith('"O""Brien, Pat",pat@x.test,"Line\nBreak",no,2026-02-01T00:00:00.000Z\n')).toBe(true);
  });

  it('refuses the link once its signature or its path is changed, and once it has expired', async () => {
    await t.bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada });
    await t.work();
    const url = exportLink();
    const signer = t.get(UrlSigner);
    expect(signer.verify(url)).toEqual({ valid: true });
    expect(signer.verify(url, new Date(Number(url.searchParams.get('expires')) * 1000 + 1))).toEqual({ valid: false, reason: 'expired' });

    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86400));
    expect(signer.verify(tampered)).toEqual({ valid: false, reason: 'invalid' });
    const res = await fetch(tampered);
    expect([res.status, await res.text()]).toEqual([403, 'Invalid signature.']);

    const otherPath = new URL(url);
    otherPath.pathname = otherPath.pathname.replace(/[0-9a-f]{40}/, 'f'.repeat(40));
    expect((await fetch(otherPath)).status).toBe(403);

    const unsigned = new URL(url.pathname, url);
    expect(signer.verify(unsigned)).toEqual({ valid: false, reason: 'missing' });

    const path = decodeURIComponent(url.pathname.slice('/downloads/'.length));
    const expired = await fetch(t.get(Storage).temporaryUrl(path, new Date(Date.now() - 1000)));
    expect([expired.status, await expired.text()]).toEqual([403, 'Link expired.']);
  });

  it('fails an unsupported format with the seed\'s message and tells the requester', async () => {
    const id = await t.bus.dispatch(ExportEventAttendees, { eventId: DEMO.events.laracon, requestedBy: DEMO.users.ada, format: 'xyz' });
    await t.work();
    const record = await t.failed.find(id as string);
    expect(record).toMatchObject({ connection: 'redis-long', queue: 'exports' });
    expect(record?.exception.split('\n')[0]).toBe('UnsupportedFormatError: Unsupported format: xyz');
    const mails = t.get(Mailer).sentTo('ada@meet2be.test');
    expect(mails.map((m) => [m.subject, m.text])).toEqual([
      ['The attendee export of "Laracon EU" failed', 'We could not export the attendees: Unsupported format: xyz'],
    ]);
    expect(existsSync(join(t.settings.storageDir, 'app', 'exports'))).toBe(false);
  });
});
