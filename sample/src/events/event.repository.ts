import { Injectable } from '@nestjs/common';
import { MissingRecordError } from '../../../lib';
import { Database } from '../database/database';

export interface MeetEvent {
  id: number;
  tenantId: number;
  name: string;
  archived: boolean;
  processed: boolean;
  statistics: EventStatistics | null;
  report: string | null;
}

export interface EventStatistics {
  registered: number;
  checkedIn: number;
  checkInRate: number;
  companies: Record<string, number>;
}

export interface Attendee {
  id: number;
  name: string;
  email: string;
  company: string | null;
  checkedIn: boolean;
  registeredAt: string;
}

interface EventRow {
  id: number;
  tenant_id: number;
  name: string;
  archived: number | boolean;
  processed: number | boolean;
  statistics: string | null;
  report: string | null;
}

interface AttendeeRow {
  id: number;
  name: string;
  email: string;
  company: string | null;
  checked_in: number | boolean;
  registered_at: string;
}

/** Meet2Be's events and their attendees (the seed's Event model). */
@Injectable()
export class EventRepository {
  constructor(private readonly db: Database) {}

  /** The event, or a MissingRecordError (Laravel's ModelNotFoundException). */
  async findOrFail(id: number): Promise<MeetEvent> {
    const row = await this.db.table<EventRow>('events').where({ id }).first();
    if (!row) throw new MissingRecordError(`No event with id ${id}.`);
    return {
      id: row.id,
      tenantId: row.tenant_id,
      name: row.name,
      archived: Boolean(row.archived),
      processed: Boolean(row.processed),
      statistics: row.statistics ? (JSON.parse(row.statistics) as EventStatistics) : null,
      report: row.report,
    };
  }

  async attendees(eventId: number): Promise<Attendee[]> {
    const rows = await this.db.table<AttendeeRow>('attendees').where('event_id', eventId).orderBy('id');
    return rows.map((r) => ({
      id: r.id, name: r.name, email: r.email, company: r.company, checkedIn: Boolean(r.checked_in), registeredAt: r.registered_at,
    }));
  }

  async update(id: number, changes: Partial<Pick<EventRow, 'processed' | 'statistics' | 'report'>>): Promise<void> {
    await this.db.table('events').where({ id }).update(changes);
  }

  async updateAttendeeEmail(id: number, email: string): Promise<void> {
    await this.db.table('attendees').where({ id }).update({ email });
  }
}
