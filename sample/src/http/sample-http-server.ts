import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface HttpReply {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: HttpRequest) => HttpReply | Promise<HttpReply>;

interface Route {
  method: string;
  prefix: string;
  handler: RouteHandler;
}

/**
 * The sample's HTTP server, on 127.0.0.1 and a free port, started with the application. It serves the signed
 * download links and stands in for the outside services the seed's jobs call (webhook receivers, Slack).
 * Providers add their routes with `route()`; the longest matching prefix wins.
 */
@Injectable()
export class SampleHttpServer implements OnModuleInit, OnApplicationShutdown {
  private readonly routes: Route[] = [];
  private server: Server | null = null;
  private baseUrl: string | null = null;

  route(method: string, prefix: string, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), prefix, handler });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** `http://127.0.0.1:<port>`, once the application has started. */
  get url(): string {
    if (!this.baseUrl) throw new Error('The sample HTTP server is not listening yet: it starts with the application (app.init()).');
    return this.baseUrl;
  }

  async onModuleInit(): Promise<void> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: HttpReply;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request: HttpRequest = {
        method: (req.method ?? 'GET').toUpperCase(),
        url: new URL(req.url ?? '/', this.url),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const route = this.routes.find((r) => r.method === request.method && request.url.pathname.startsWith(r.prefix));
      reply = route ? await route.handler(request) : { status: 404, body: 'Not Found' };
    } catch (error) {
      reply = { status: 500, body: error instanceof Error ? error.message : String(error) };
    }
    res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
    res.end(reply.body);
  }
}
