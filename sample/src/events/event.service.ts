import { Injectable } from '@nestjs/common';
import { Attendee, EventRepository, EventStatistics, MeetEvent } from './event.repository';

/** An event whose data may no longer change: processing it again can never succeed. */
export class EventArchivedError extends Error {
  constructor(event: MeetEvent) {
    super(`Event #${event.id} "${event.name}" is archived; its data can no longer be processed.`);
    this.name = 'EventArchivedError';
  }
}

/** What the seed's `$event->processAttendees()`, `calculateStatistics()` and `generateReports()` do. */
@Injectable()
export class EventService {
  constructor(private readonly events: EventRepository) {}

  /** Normalises attendee e-mail addresses (trimmed, lower case); returns how many changed. */
  async processAttendees(event: MeetEvent): Promise<number> {
    this.assertOpen(event);
    let changed = 0;
    for (const attendee of await this.events.attendees(event.id)) {
      const email = attendee.email.trim().toLowerCase();
      if (email !== attendee.email) {
        await this.events.updateAttendeeEmail(attendee.id, email);
        changed++;
      }
    }
    return changed;
  }

  async calculateStatistics(event: MeetEvent): Promise<EventStatistics> {
    this.assertOpen(event);
    const attendees = await this.events.attendees(event.id);
    const statistics = statisticsOf(attendees);
    await this.events.update(event.id, { statistics: JSON.stringify(statistics) });
    return statistics;
  }

  async generateReports(event: MeetEvent): Promise<string> {
    this.assertOpen(event);
    const fresh = await this.events.findOrFail(event.id);
    const s = fresh.statistics ?? statisticsOf(await this.events.attendees(event.id));
    const companies = Object.entries(s.companies)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    const report = `${fresh.name}: ${s.registered} registered, ${s.checkedIn} checked in (${s.checkInRate}%). Companies: ${companies}.`;
    await this.events.update(event.id, { report, processed: true });
    return report;
  }

  private assertOpen(event: MeetEvent): void {
    if (event.archived) throw new EventArchivedError(event);
  }
}

function statisticsOf(attendees: Attendee[]): EventStatistics {
  const checkedIn = attendees.filter((a) => a.checkedIn).length;
  const companies: Record<string, number> = {};
  for (const a of attendees) if (a.company) companies[a.company] = (companies[a.company] ?? 0) + 1;
  return {
    registered: attendees.length,
    checkedIn,
    checkInRate: attendees.length ? Math.round((checkedIn / attendees.length) * 100) : 0,
    companies,
  };
}
