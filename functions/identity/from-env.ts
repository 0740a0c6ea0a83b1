/** Identity wiring for one container: data layer, mailer and config from the environment. */
import { loadEnv } from '../config/env';
import { dataLayerFromEnv } from '../data';
import { mailerFromEnv } from '../mail/from-env';
import { createAuthenticator } from './authenticate';
import { DEFAULT_IDENTITY_CONFIG, type IdentityDeps } from './deps';

let shared: { deps: IdentityDeps; authenticate: ReturnType<typeof createAuthenticator> } | undefined;

export function identityFromEnv() {
  if (shared) return shared;
  const env = loadEnv(['table', 'keys', 'mail', 'edge']);
  const data = dataLayerFromEnv();
  const deps: IdentityDeps = {
    repo: data.repo,
    table: data.table,
    blind: data.blind,
    audit: data.audit,
    mailer: mailerFromEnv(env),
    now: Date.now,
    config: { ...DEFAULT_IDENTITY_CONFIG, publicUrl: env.PUBLIC_URL },
  };
  shared = { deps, authenticate: createAuthenticator(deps) };
  return shared;
}
