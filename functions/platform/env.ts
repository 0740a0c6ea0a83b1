/**
 * Environment, parsed once per container with zod: a missing or malformed
 * variable fails the cold start with a message naming it, instead of a
 * confusing error deep inside a request.
 */
import * as z from 'zod';
import type { Need } from './manifest';

const base = z.object({
  STAGE: z.string().min(1).max(32),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  AWS_REGION: z.string().min(1).max(32),
});

const csv = z
  .string()
  .max(4000)
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const table = z.object({ TABLE_NAME: z.string().min(1).max(255) });
const keys = z.object({ KMS_KEY_ID: z.string().min(1).max(2048) });
const jobQueues = z.object({
  JOB_QUEUE_URL_FREE: z.string().url(),
  JOB_QUEUE_URL_BASE: z.string().url(),
  JOB_QUEUE_URL_PRO: z.string().url(),
});
const backupBucket = z.object({ BACKUP_BUCKET: z.string().min(3).max(63) });
/** The sync bucket (large snapshot blobs) and the key every object is written with (SSE-KMS). */
const syncBlobs = z.object({ SYNC_BUCKET: z.string().min(3).max(63), SYNC_BUCKET_KEY_ID: z.string().min(1).max(2048) });

/**
 * The stage's OpenID Connect providers (lib/config.ts `flarevault:oidcProviders`): a JSON array.
 * Each `clientSecret` is resolved by CloudFormation from Secrets Manager at deploy time.
 */
export const OidcProviderConfig = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  name: z.string().min(1).max(80),
  issuer: z.string().url().max(2048),
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(2048),
  /** The boolean claim that says the email is verified (Entra ID: `xms_edov`, an optional claim). */
  emailVerifiedClaim: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).default('email_verified'),
});
export type OidcProviderConfig = z.infer<typeof OidcProviderConfig>;
const oidcProviders = z
  .string()
  .max(32_000)
  .default('[]')
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
      return z.NEVER;
    }
  })
  .pipe(z.array(OidcProviderConfig).max(20));
/** Cloudflare's siteverify API (docs/security.md "Bot protection"). */
export const TURNSTILE_SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
/** The widget script the dashboard loads when the stage turns Turnstile on. */
export const TURNSTILE_SCRIPT_URL = 'https://challenges.cloudflare.com/turnstile/v0/api.js';

/**
 * Turnstile on signup, magic-link and password-reset requests: on when the site key and the secret
 * are both set (off by default; one without the other fails the cold start: identity/turnstile.ts). The secret is resolved from Secrets Manager at deploy time. The two
 * URLs are only overridden locally (the local runtime's Turnstile-compatible endpoint, lib/local/turnstile.ts).
 */
const unsetWhenEmpty = (v: unknown) => (v === '' ? undefined : v);
const turnstile = z.object({
  /** Empty or absent: off. */
  TURNSTILE_SITE_KEY: z.preprocess(unsetWhenEmpty, z.string().min(1).max(100).optional()),
  TURNSTILE_SECRET_KEY: z.preprocess(unsetWhenEmpty, z.string().min(1).max(200).optional()),
  TURNSTILE_SITEVERIFY_URL: z.string().url().max(2048).default(TURNSTILE_SITEVERIFY_URL),
  TURNSTILE_SCRIPT_URL: z.string().url().max(2048).default(TURNSTILE_SCRIPT_URL),
});

/** Env vars per need. The CDK stack sets these for every function declaring the need. */
export const envByNeed = {
  table,
  keys,
  jobQueues,
  backupBucket,
  syncBlobs,
  /** How long a device token lives (the stage setting flarevault:deviceTokenLifetimeDays; 90 by default). */
  deviceTokens: z.object({ DEVICE_TOKEN_LIFETIME_DAYS: z.coerce.number().int().min(1).max(3650) }),
  oidc: z.object({ OIDC_PROVIDERS: oidcProviders }),
  turnstile,
  mail: z.object({
    /** `ses` in AWS; `outbox` writes .eml files to MAIL_OUTBOX_DIR (local runtime). */
    MAIL_TRANSPORT: z.enum(['ses', 'outbox']),
    MAIL_FROM: z.string().max(320),
    MAIL_OUTBOX_DIR: z.string().max(1024).optional(),
  }),
  edge: z.object({
    /** CloudFront adds it as `x-origin-verify`; requests without it are refused. */
    ORIGIN_VERIFY_SECRET: z.string().min(32).max(256),
    /** Comma-separated origins allowed by CORS; empty means same-origin only. */
    CORS_ALLOWED_ORIGINS: csv.default([]),
    /** The public URL of the dashboard (links in mail, cookie decisions). */
    PUBLIC_URL: z.string().url(),
  }),
  /** The names of every dependency, for read-only probes (the grants allow no data access). */
  health: z.object({ ...table.shape, ...keys.shape, ...jobQueues.shape, ...backupBucket.shape }),
  cloudflare: z.object({
    /**
     * Local runtime only: base URL (…/client/v4) and admin token of the Cloudflare sandbox that
     * backs `sandbox: true` accounts. Absent in AWS: sandbox accounts are refused there.
     * (Real accounts use the SDK's default base URL; the SDK itself reads CLOUDFLARE_BASE_URL.)
     */
    CLOUDFLARE_SANDBOX_URL: z.string().url().max(2048).optional(),
    CLOUDFLARE_SANDBOX_ADMIN_TOKEN: z.string().min(16).max(256).optional(),
  }),
} as const satisfies Record<Need, z.ZodObject>;

type EnvOf<N extends Need> = z.infer<(typeof envByNeed)[N]>;
export type Env<N extends Need = never> = z.infer<typeof base> & UnionToIntersection<EnvOf<N>>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Names of the env vars a function with these needs reads (used by the stack and its tests). */
export function envVarNames(needs: readonly Need[]): string[] {
  const names = new Set<string>(Object.keys(base.shape));
  for (const n of needs) for (const k of Object.keys(envByNeed[n].shape)) names.add(k);
  return [...names];
}

const cache = new Map<string, unknown>();

/** Parse (once) the env a module needs. Throws with every missing/invalid var named. */
export function loadEnv<N extends Need>(needs: readonly N[], source: NodeJS.ProcessEnv = process.env): Env<N> {
  const key = [...needs].sort().join(',');
  if (source === process.env && cache.has(key)) return cache.get(key) as Env<N>;
  let schema: z.ZodObject = base;
  for (const n of needs) schema = schema.extend(envByNeed[n].shape);
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`flarevault: invalid environment (${detail})`);
  }
  if (source === process.env) cache.set(key, parsed.data);
  return parsed.data as Env<N>;
}
