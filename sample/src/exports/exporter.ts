import type { Attendee } from '../events/event.repository';
import { CsvExporter } from './csv-exporter';

/** Writes an event's attendees to a file in one format. */
export interface Exporter {
  readonly extension: string;
  export(attendees: Attendee[], filePath: string): Promise<void>;
}

/** The seed's InvalidArgumentException for a format no exporter writes. */
export class UnsupportedFormatError extends Error {
  constructor(format: string) {
    super(`Unsupported format: ${format}`);
    this.name = 'UnsupportedFormatError';
  }
}

/**
 * The seed's `match($this->format)`. The sample has a CSV exporter only: the seed's xlsx and pdf exporters need an
 * Excel and a PDF library the sample does not install, so those formats fail like any unknown one.
 */
export function exporterFor(format: string): Exporter {
  switch (format) {
    case 'csv':
      return new CsvExporter();
    default:
      throw new UnsupportedFormatError(format);
  }
}
