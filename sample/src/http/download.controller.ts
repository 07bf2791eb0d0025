import { Injectable } from '@nestjs/common';
import { Storage } from '../filesystem/storage';
import { UrlSigner } from '../filesystem/url-signer';
import { HttpReply, HttpRequest, SampleHttpServer } from './sample-http-server';

/** Serves the local disk's temporary links: `GET /downloads/<path>?expires=...&signature=...`. */
@Injectable()
export class DownloadController {
  constructor(
    server: SampleHttpServer,
    private readonly storage: Storage,
    private readonly signer: UrlSigner,
  ) {
    server.route('GET', '/downloads/', (request) => this.download(request));
  }

  private async download(request: HttpRequest): Promise<HttpReply> {
    const check = this.signer.verify(request.url);
    if (!check.valid) return { status: 403, body: check.reason === 'expired' ? 'Link expired.' : 'Invalid signature.' };
    const path = request.url.pathname.slice('/downloads/'.length).split('/').map(decodeURIComponent).join('/');
    if (!(await this.storage.exists(path))) return { status: 404, body: 'Not Found' };
    const name = path.split('/').pop() ?? 'download';
    return { status: 200, body: await this.storage.get(path), headers: { 'content-disposition': `attachment; filename="${name}"` } };
  }
}
