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

let shared: { deps: IdentityDeps; authenticate: ReturnType<typeof createAuthenticator> } | undefined;

const noMail: Mailer = {
  send: async () => {
    throw new Error('this function has no mail transport (declare the `mail` need)');
  },
};

export function identityFromEnv(mailer: Mailer = noMail) {
  if (shared) return shared;
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
  shared = { deps, authenticate: createAuthenticator(deps) };
  return shared;
}
