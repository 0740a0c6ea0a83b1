/** Helpers for tests that drive the Cloudflare sandbox through the official SDK. */
import Cloudflare from 'cloudflare';

/** Run `fn`, expect a Cloudflare.APIError, return it. */
export async function apiError(fn: () => Promise<unknown>): Promise<InstanceType<typeof Cloudflare.APIError>> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Cloudflare.APIError) return e;
    throw e;
  }
  throw new Error('expected an APIError');
}
