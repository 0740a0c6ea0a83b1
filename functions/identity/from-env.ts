/**
 * Identity wiring for one container from the environment. Only the auth
 * function sends mail; every other function authenticates requests without
 * a mail transport (and so without the `mail` need).
 */
import { loadEnv } from '../platform/env';
import { dataLayerFromEnv } from '../data/from-env';
import type { Mailer } from '../mail/mailer';
import { createAuthenticator } from './authenticate';
import { DEFAULT_IDENTITY_CONFIG, type IdentityDeps } from './deps';

/**
 * One wiring per mail transport: on AWS each function is its own container, but the local runtime
 * loads every function into one process, where a function without mail (signIn) must not hand its
 * wiring to one that mails (auth: sign-up's verification link, resets, magic links).
 */
const shared = new Map<Mailer, { deps: IdentityDeps; authenticate: ReturnType<typeof createAuthenticator> }>();

const noMail: Mailer = {
  send: async () => {
    throw new Error('this function has no mail transport (declare the `mail` need)');
  },
};

export function identityFromEnv(mailer: Mailer = noMail) {
  const made = shared.get(mailer);
  if (made) return made;
  const env = loadEnv(['table', 'keys', 'edge']);
  const data = dataLayerFromEnv();
  const deps: IdentityDeps = {
    repo: data.repo,
    table: data.table,
    blind: data.blind,
    audit: data.audit,
    mailer,
    now: Date.now,
    config: { ...DEFAULT_IDENTITY_CONFIG, publicUrl: env.PUBLIC_URL },
  };
  const wiring = { deps, authenticate: createAuthenticator(deps) };
  shared.set(mailer, wiring);
  return wiring;
}
