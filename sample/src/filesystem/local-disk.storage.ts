import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SAMPLE_SETTINGS, SampleSettings } from '../config/sample-settings';
import { SampleHttpServer } from '../http/sample-http-server';
import { Storage } from './storage';
import { UrlSigner } from './url-signer';

/**
 * The local disk: files under `<storage>/app`, temporary links served by the sample's HTTP server at
 * `/downloads/<path>` and signed by UrlSigner.
 */
@Injectable()
export class LocalDiskStorage extends Storage {
  readonly root: string;

  constructor(
    @Inject(SAMPLE_SETTINGS) settings: SampleSettings,
    private readonly server: SampleHttpServer,
    private readonly signer: UrlSigner,
  ) {
    super();
    this.root = join(settings.storageDir, 'app');
  }

  async putFile(directory: string, localPath: string): Promise<string> {
    const path = `${directory.replace(/\/+$/, '')}/${randomBytes(20).toString('hex')}${extname(localPath)}`;
    const target = this.absolute(path);
    await mkdir(join(target, '..'), { recursive: true });
    await copyFile(localPath, target);
    return path;
  }

  temporaryUrl(path: string, expiresAt: Date): string {
    this.absolute(path);
    const url = new URL(`/downloads/${path.split('/').map(encodeURIComponent).join('/')}`, this.server.url);
    return this.signer.sign(url, expiresAt).toString();
  }

  async exists(path: string): Promise<boolean> {
    try {
      return (await stat(this.absolute(path))).isFile();
    } catch {
      return false;
    }
  }

  get(path: string): Promise<Buffer> {
    return readFile(this.absolute(path));
  }

  /** The file's place on disk; a path that would leave the disk's root is refused. */
  absolute(path: string): string {
    const resolved = normalize(join(this.root, path));
    if (!resolved.startsWith(this.root + sep)) throw new Error(`Path ${path} is outside the disk.`);
    return resolved;
  }
}
