/**
 * Compressed static files, the way CloudFront serves them (`compress: true` behaviours, cache
 * policies with gzip and Brotli enabled; https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html):
 * Brotli when the viewer's Accept-Encoding names `br`, else gzip when it names `gzip`; only
 * files of 1,000 to 10,000,000 bytes of a compressible type; `Vary: Accept-Encoding`.
 * Each file is compressed once per version (path + mtime + size) and kept in memory.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

const MIN_BYTES = 1_000;
const MAX_BYTES = 10_000_000;
/** Text types CloudFront compresses (its documented list includes these and more). */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest\+json|xml)|image\/svg\+xml)/;

/** The encoding CloudFront would pick for this Accept-Encoding header, or undefined for identity. */
export function pickEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  const offered = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) offered.set(name, q === undefined ? 1 : Number(q));
  }
  // Only named codings count (a `*` wildcard is not taken as br/gzip: no kinder than the edge).
  const accepts = (name: string) => (offered.get(name) ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return undefined;
}

export function isCompressible(contentType: string, size: number): boolean {
  return size >= MIN_BYTES && size <= MAX_BYTES && COMPRESSIBLE.test(contentType);
}

export interface CompressedCache {
  /** The file's bytes in `encoding`, compressed on first request of this version. */
  get(file: string, version: string, data: Buffer, encoding: Encoding): Buffer;
}

export function compressedCache(): CompressedCache {
  const cache = new Map<string, { version: string; bytes: Partial<Record<Encoding, Buffer>> }>();
  return {
    get(file, version, data, encoding) {
      let entry = cache.get(file);
      if (!entry || entry.version !== version) cache.set(file, (entry = { version, bytes: {} }));
      return (entry.bytes[encoding] ??=
        encoding === 'br'
          ? brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })
          : gzipSync(data, { level: 9 }));
    },
  };
}
