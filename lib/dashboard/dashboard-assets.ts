import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/** Where the built UI is at run time: lib/dashboard/ui/dist beside this file (dist/dashboard/ui/dist when packed). */
export const DASHBOARD_UI_DIR = Symbol.for('nestjs-queue:dashboard-ui-dir');
export const DEFAULT_UI_DIR = join(__dirname, 'ui', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** Types worth compressing (text). */
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.map', '.json', '.svg', '.txt']);

/** A chunk of the built UI: its name holds its content's hash, so its URL is cacheable for good as it is. */
const HASHED_CHUNK = /^chunk-[A-Z0-9]+\.js$/;

export type AssetEncoding = 'br' | 'gzip';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  /** First 16 hex digits of the content's SHA-256: the `?v=` that makes a URL cacheable for good. */
  version: string;
  /** True when the file's name already names its content (a hashed chunk). */
  hashedName: boolean;
  /** The body compressed, once ready (compressed off the request path, in the background, when first read). */
  encoded: Partial<Record<AssetEncoding, Buffer>>;
}

/**
 * The built UI's files, served by name from one directory: a name is one path segment of safe characters (no
 * `..`, no `/`, no hidden files), and only regular files inside the directory are served. Contents are kept in
 * memory until the file changes (size or mtime).
 */
export class DashboardAssets {
  private readonly root: string;
  private readonly cache = new Map<string, { stamp: string; asset: DashboardAsset }>();

  constructor(dir: string) {
    this.root = resolve(dir);
    // Read and compress the built files now (a handful), so the first load of any page finds them ready.
    let names: string[] = [];
    try {
      names = readdirSync(this.root);
    } catch {
      // No UI built: the page says so.
    }
    for (const name of names) this.get(name);
  }

  /** The chunks app.js imports at once (manifest.json, written by the build): the page preloads them beside it. */
  preloads(): string[] {
    const manifest = this.get('manifest.json');
    if (!manifest) return [];
    try {
      const parsed = JSON.parse(manifest.body.toString('utf8')) as { preload?: unknown };
      return Array.isArray(parsed.preload) ? parsed.preload.filter((n): n is string => typeof n === 'string' && HASHED_CHUNK.test(n)) : [];
    } catch {
      return [];
    }
  }

  get directory(): string {
    return this.root;
  }

  /** The asset, or null when the name is not safe or no such file exists. */
  get(name: string): DashboardAsset | null {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) return null;
    const file = join(this.root, name);
    if (!file.startsWith(this.root + sep)) return null;
    let stamp: string;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return null;
      stamp = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return null;
    }
    const cached = this.cache.get(name);
    if (cached && cached.stamp === stamp) return cached.asset;
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return null;
    }
    const ext = extname(name).toLowerCase();
    const asset: DashboardAsset = {
      body,
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      version: createHash('sha256').update(body).digest('hex').slice(0, 16),
      hashedName: HASHED_CHUNK.test(name),
      encoded: {},
    };
    this.cache.set(name, { stamp, asset });
    if (COMPRESSIBLE.has(ext) && body.length > 1024) compress(asset);
    return asset;
  }

  /** The `?v=` of a file, or null when it does not exist. */
  version(name: string): string | null {
    return this.get(name)?.version ?? null;
  }
}

/** Fills `asset.encoded` in the background (zlib's thread pool); until then the asset is served as it is. */
function compress(asset: DashboardAsset): void {
  const size = asset.body.length;
  brotliCompress(asset.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: size, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } }, (error, out) => {
    if (!error && out.length < size) asset.encoded.br = out;
  });
  gzip(asset.body, { level: 9 }, (error, out) => {
    if (!error && out.length < size) asset.encoded.gzip = out;
  });
}

/** The encoding to answer with for an Accept-Encoding header, among those the asset has ready. */
export function pickEncoding(asset: DashboardAsset, accept: string | string[] | undefined): AssetEncoding | null {
  const header = (Array.isArray(accept) ? accept.join(',') : accept ?? '').toLowerCase();
  const accepts = (coding: string) => header.split(',').some((part) => {
    const [name, ...params] = part.trim().split(';');
    return name.trim() === coding && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
  if (asset.encoded.br && accepts('br')) return 'br';
  if (asset.encoded.gzip && accepts('gzip')) return 'gzip';
  return null;
}
