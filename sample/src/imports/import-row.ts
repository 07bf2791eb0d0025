/** One user in an import file. */
export interface ImportRow {
  name: string;
  email: string;
}

/** Cache key the import keeps while its batch runs (the seed's "import_batch_{id}"). */
export function importCacheKey(batchId: string): string {
  return `import_batch_${batchId}`;
}
