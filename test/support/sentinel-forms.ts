/**
 * Looking for secrets in raw storage (the sentinel scans): the encodings a value might leak
 * under, and a raw DynamoDB dump that shows binary attributes both as base64 and as bytes.
 */

/** The value as is, lower- and upper-cased, base64, base64url and hex. */
export function forms(s: string | Buffer): string[] {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const text = typeof s === 'string' ? [s, s.toLowerCase(), s.toUpperCase()] : [b.toString('latin1')];
  return [...text, b.toString('base64'), b.toString('base64url'), b.toString('hex')].map((f) =>
    // base64 of a substring can shift alignment; match a long inner run instead of the whole
    f.length > 24 ? f.slice(4, -4) : f,
  );
}

/** Raw items as one text (binary attributes as base64 and as latin1 bytes). */
export function dumpItems(items: unknown[]): string {
  return JSON.stringify(items, (_k, v: unknown) => (v instanceof Uint8Array ? `bin:${Buffer.from(v).toString('base64')}:${Buffer.from(v).toString('latin1')}` : v));
}

/** `<label> as <form>` for every form of every secret found in the text. */
export function leaks(text: string, secrets: ReadonlyArray<{ label: string; value: string | Buffer }>): string[] {
  return secrets.flatMap(({ label, value }) => forms(value).filter((f) => text.includes(f)).map((f) => `${label} as ${f}`));
}
