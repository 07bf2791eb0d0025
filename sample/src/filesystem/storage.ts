/**
 * A storage disk (Laravel's Storage::disk()). The sample binds the local disk; an S3 adapter implementing the
 * same four methods (putFile with the AWS SDK, temporaryUrl with a presigned URL) replaces it without touching a job.
 */
export abstract class Storage {
  /** Stores the local file under `directory` with a new unique name (as Laravel's putFile); returns its path on the disk. */
  abstract putFile(directory: string, localPath: string): Promise<string>;
  /** A link that downloads `path` until `expiresAt`, and not after. */
  abstract temporaryUrl(path: string, expiresAt: Date): string;
  abstract exists(path: string): Promise<boolean>;
  abstract get(path: string): Promise<Buffer>;
}
