import { readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { Batch, Bus, job } from '../../../lib';
import { ForgetImportCache } from '../jobs/imports/forget-import-cache.job';
import { ImportUserChunk } from '../jobs/imports/import-user-chunk.job';
import { LogImportFailure } from '../jobs/imports/log-import-failure.job';
import { NotifyImportCompleted } from '../jobs/imports/notify-import-completed.job';
import { Cache } from '../support/cache';
import type { User } from '../users/user.repository';
import { importCacheKey, ImportRow } from './import-row';

/** Users per ImportUserChunk job. */
export const IMPORT_CHUNK_SIZE = 2;

/** The seed's ImportService: one ImportUserChunk job per chunk of the file, sent as one batch. */
@Injectable()
export class ImportService {
  constructor(
    private readonly bus: Bus,
    private readonly cache: Cache,
  ) {}

  async importUsers(filePath: string, requestedBy: User): Promise<Batch> {
    const chunks = await this.parseFile(filePath);
    const jobs = chunks.map((chunk, index) => job(ImportUserChunk, { chunk, index }));

    const batch = await this.bus
      .batch(jobs)
      .name(`User Import - ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`)
      .allowFailures()
      .then(job(NotifyImportCompleted, {}))
      .catch(job(LogImportFailure, {}))
      .finally(job(ForgetImportCache, {}))
      .onQueue('imports')
      .withOptions({ user: { id: requestedBy.id, name: requestedBy.name, email: requestedBy.email } })
      .dispatch();

    await this.cache.put(importCacheKey(batch.id), JSON.stringify({ file: filePath, chunks: chunks.length }), 86400);
    return batch;
  }

  /** The file is a JSON array of `{ name, email }`; it comes back in chunks of IMPORT_CHUNK_SIZE. */
  async parseFile(filePath: string): Promise<ImportRow[][]> {
    const rows: unknown = JSON.parse(await readFile(filePath, 'utf8'));
    if (!Array.isArray(rows)) throw new Error(`${filePath} must hold a JSON array of { name, email }.`);
    const valid = rows.map((row: unknown, i) => {
      const r = row as Partial<ImportRow> | null;
      if (!r || typeof r.name !== 'string' || typeof r.email !== 'string') throw new Error(`${filePath}: row ${i + 1} needs a name and an email.`);
      return { name: r.name, email: r.email };
    });
    const chunks: ImportRow[][] = [];
    for (let i = 0; i < valid.length; i += IMPORT_CHUNK_SIZE) chunks.push(valid.slice(i, i + IMPORT_CHUNK_SIZE));
    return chunks;
  }
}
