/**
 * The local gateway serves the dashboard's files compressed as CloudFront does
 * (lib/local/compression.ts): Brotli when Accept-Encoding names br, else gzip, else identity;
 * only compressible types of 1,000 bytes or more; Vary: Accept-Encoding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { pickEncoding } from '../../lib/local/compression';
import { ROOT, ensureSpaBuilt } from '../e2e/support/browser';
import { baseUrl } from '../setup/env';

/** Raw bytes and headers (fetch would decode the body). */
function get(path: string, acceptEncoding?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${baseUrl()}${path}`, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('compressed static files (local gateway)', () => {
  const assets = join(ROOT, 'frontend', 'dist', 'assets');
  let script: string;
  beforeAll(() => {
    ensureSpaBuilt();
    script = readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .map((f) => ({ f, size: readFileSync(join(assets, f)).length }))
      .sort((a, b) => b.size - a.size)[0]!.f;
  });

  it('Brotli when br is accepted, gzip when only gzip is, identity otherwise; the bytes decode to the file', async () => {
    const original = readFileSync(join(assets, script));
    const br = await get(`/assets/${script}`, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(original.length / 2);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gzip = await get(`/assets/${script}`, 'gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(original)).toBe(true);
    for (const none of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const plain = await get(`/assets/${script}`, none);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.equals(original)).toBe(true);
    }
    // Served again from the cache: the same bytes.
    expect((await get(`/assets/${script}`, 'br')).body.equals(br.body)).toBe(true);
  });

  it('leaves files under 1,000 bytes alone', async () => {
    const small = readdirSync(assets).find((f) => f.endsWith('.js') && readFileSync(join(assets, f)).length < 1000);
    expect(small).toBeDefined();
    expect((await get(`/assets/${small!}`, 'br')).headers['content-encoding']).toBeUndefined();
    // index.html hovers around the threshold (one modulepreload per shared chunk Vite splits out): judged by its real size.
    const html = await get('/login', 'br');
    expect(html.status).toBe(200);
    const indexBytes = readFileSync(join(ROOT, 'frontend', 'dist', 'index.html')).length;
    expect(html.headers['content-encoding']).toBe(indexBytes < 1000 ? undefined : 'br');
  });

  it('picks the encoding CloudFront would from Accept-Encoding', () => {
    expect(pickEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(pickEncoding('gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(pickEncoding('*')).toBeUndefined();
    expect(pickEncoding('deflate')).toBeUndefined();
    expect(pickEncoding(undefined)).toBeUndefined();
  });
});
