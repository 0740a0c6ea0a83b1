/** Deterministic randomness and Cloudflare-shaped identifiers (32 lowercase hex chars). */

/** mulberry32: small, fast, seedable PRNG returning floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hash a string into a 32-bit seed (FNV-1a). */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class IdFactory {
  private readonly rng: () => number;
  constructor(seed = 1) {
    this.rng = createRng(seed);
  }
  /** A 32-hex-char identifier like Cloudflare's zone, record, account and token ids. */
  hex32(): string {
    let out = '';
    for (let i = 0; i < 4; i++) out += Math.floor(this.rng() * 0x100000000).toString(16).padStart(8, '0');
    return out;
  }
  /** A 40-char token secret of the alphabet Cloudflare API tokens use. */
  tokenSecret(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    let out = '';
    for (let i = 0; i < 40; i++) out += alphabet[Math.floor(this.rng() * alphabet.length)];
    return out;
  }
}

export const HEX32 = /^[0-9a-f]{32}$/;
