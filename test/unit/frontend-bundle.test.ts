/**
 * Bundle budget of the dashboard (issue 7): the JS a first visit downloads —
 * the entry module and the chunks index.html preloads — must stay ≤ 200 KB
 * gzip. Lazy-loaded pages are not counted. Runs when frontend/dist exists
 * (`npm run build`); skipped with a note otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = resolve(__dirname, '..', '..', 'frontend', 'dist');
const INDEX = join(DIST, 'index.html');
const BUDGET_BYTES = 200 * 1024;

const built = existsSync(INDEX);
if (!built) console.warn('\n[frontend-bundle] skipped: frontend/dist is not built (run `npm run build`)\n');

export function initialJs(html: string): string[] {
  const files = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g)) files.add(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) files.add(m[1]!);
  return [...files];
}

(built ? describe : describe.skip)('dashboard bundle', () => {
  const html = built ? readFileSync(INDEX, 'utf8') : '';

  test('index.html has no inline scripts (strict CSP: script-src self)', () => {
    const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]!) || m[2]!.trim() !== '');
    expect(inline).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no external fonts
  });

  test('initial JS ≤ 200 KB gzip', () => {
    const files = initialJs(html);
    expect(files.length).toBeGreaterThan(0);
    const sizes = files.map((f) => {
      const buf = readFileSync(join(DIST, f.replace(/^\//, '')));
      return { file: f, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
    });
    const total = sizes.reduce((n, s) => n + s.gzip, 0);
    console.log(
      `[frontend-bundle] initial JS ${(total / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB):\n` +
        sizes.map((s) => `  ${s.file}  ${(s.raw / 1024).toFixed(1)} KB raw, ${(s.gzip / 1024).toFixed(1)} KB gzip`).join('\n'),
    );
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  test('no eval-like code in the bundle', () => {
    const files = initialJs(html);
    for (const f of files) {
      const js = readFileSync(join(DIST, f.replace(/^\//, '')), 'utf8');
      expect(js).not.toMatch(/\beval\(|new Function\(/);
    }
  });
});
