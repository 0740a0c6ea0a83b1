/** Cloudflare's TTL 1 means automatic. */
const TTL_AUTO = 1;
export const ttlLabel = (ttl: number) => (ttl === TTL_AUTO ? 'Auto' : `${ttl}s`);
