import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Attendee } from '../events/event.repository';
import type { Exporter } from './exporter';

/** The columns of the attendee CSV, in order. */
export const CSV_COLUMNS = ['name', 'email', 'company', 'checked_in', 'registered_at'] as const;

/** Attendees as CSV (RFC 4180, with a header row), written by csv-stringify. */
export class CsvExporter implements Exporter {
  readonly extension = 'csv';

  async export(attendees: Attendee[], filePath: string): Promise<void> {
    const rows = attendees.map((a) => [a.name, a.email, a.company ?? '', a.checkedIn ? 'yes' : 'no', a.registeredAt]);
    await writeFile(filePath, stringify(rows, { header: true, columns: [...CSV_COLUMNS] }));
  }
}
