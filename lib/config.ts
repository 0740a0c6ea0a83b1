/**
 * Stage configuration, read once from cdk.json context (or `-c key=value`) and
 * validated with zod, so a typo fails `cdk synth` with a message naming the key
 * instead of producing a half-working stack.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';

export const CONTEXT_KEYS = {
  stage: 'flarevault:stage',
  domainName: 'flarevault:domainName',
  certificateArn: 'flarevault:certificateArn',
  waf: 'flarevault:waf',
  corsAllowedOrigins: 'flarevault:corsAllowedOrigins',
  backupRetentionDays: 'flarevault:backupRetentionDays',
  alarmEmail: 'flarevault:alarmEmail',
  mailFrom: 'flarevault:mailFrom',
  originSecretGeneration: 'flarevault:originSecretGeneration',
  deviceTokenLifetimeDays: 'flarevault:deviceTokenLifetimeDays',
  oidcProviders: 'flarevault:oidcProviders',
  turnstileSiteKey: 'flarevault:turnstileSiteKey',
  turnstileSecretName: 'flarevault:turnstileSecretName',
} as const;

/** A linked sync device's token lives this long unless the stage says otherwise (issue 16). */
export const DEFAULT_DEVICE_TOKEN_LIFETIME_DAYS = 90;

export interface StageConfig {
  /** Lower-case stage name, e.g. `dev`, `prod`. */
  readonly stage: string;
  /** `true` for the production stage (`prod`): retain data, deletion protection on. */
  readonly isProd: boolean;
  /** Custom domain served by CloudFront. @default - the `*.cloudfront.net` domain */
  readonly domainName?: string;
  /** ACM certificate (us-east-1) for `domainName`. Set together with `domainName`. */
  readonly certificateArn?: string;
  /** Attach a WAFv2 web ACL to CloudFront (the stack must then live in us-east-1). */
  readonly waf: boolean;
  /** Extra origins allowed by CORS; empty means same-origin only. */
  readonly corsAllowedOrigins: readonly string[];
  /** Days a backup object is kept before it expires. */
  readonly backupRetentionDays: number;
  /** Alarm notifications go here when set. */
  readonly alarmEmail?: string;
  /** Sender address for outbound mail (SES identity: the address or its domain). */
  readonly mailFrom?: string;
  /** Bump to rotate the CloudFront origin secret (a new secret replaces the old one). */
  readonly originSecretGeneration: number;
  /** Days a sync device token lives before the device must link again (410 past it, data intact). */
  readonly deviceTokenLifetimeDays: number;
  /**
   * OpenID Connect providers offered on the login page (docs/security.md "OpenID Connect"). Each
   * client secret lives in Secrets Manager under `clientSecretName` (created by the operator); the
   * stack resolves it into the sign-in function's environment at deploy time. @default none
   */
  readonly oidcProviders: readonly OidcProviderSetting[];
  /**
   * Cloudflare Turnstile on signup, magic-link and password-reset requests (docs/security.md "Bot
   * protection"): the widget's site key, and the name of the Secrets Manager secret (created by the
   * operator) holding its secret key, resolved into the auth function's environment at deploy time.
   * Set both or neither. @default off
   */
  readonly turnstileSiteKey?: string;
  readonly turnstileSecretName?: string;
  /** RETAIN in prod, DESTROY elsewhere, for stateful resources. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of every log group. */
  readonly logRetention: RetentionDays;
}

const emptyToUndefined = (v: unknown): unknown => (v === '' || v === null ? undefined : v);

const bool = z.preprocess((v) => {
  if (v === undefined || v === null || v === '') return false;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}, z.boolean({ error: 'must be true or false' }));

const hostname = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'must be a lower-case DNS name like app.example.com');

const email = z.string().max(254).email('must be an e-mail address');

const origin = z
  .string()
  .max(253)
  .refine((s) => {
    try {
      const u = new URL(s);
      const localHttp = u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1');
      return (u.protocol === 'https:' || localHttp) && u.origin === s;
    } catch {
      return false;
    }
  }, 'each entry must be an origin like https://app.example.com (no path, no trailing slash; http only for localhost)');

const oidcProvider = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'id must be 1-32 chars of a-z, 0-9 and -, starting with a letter'),
    name: z.string().min(1).max(80),
    issuer: z
      .string()
      .max(2048)
      .refine((s) => {
        try {
          return new URL(s).protocol === 'https:';
        } catch {
          return false;
        }
      }, 'issuer must be an https URL (the provider discovery document is at <issuer>/.well-known/openid-configuration)'),
    clientId: z.string().min(1).max(512),
    clientSecretName: z.string().min(1).max(2048),
    /** The boolean claim that says the email is verified (Microsoft Entra ID: `xms_edov`). @default email_verified */
    emailVerifiedClaim: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'emailVerifiedClaim must be a claim name like email_verified or xms_edov')
      .optional(),
  })
  .strict();
export type OidcProviderSetting = z.infer<typeof oidcProvider>;

const schema = z
  .object({
    stage: z
      .string({ error: 'is required' })
      .regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1-16 chars of a-z, 0-9 and -, starting with a letter'),
    domainName: z.preprocess(emptyToUndefined, hostname.optional()),
    certificateArn: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .max(2048)
        .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN in us-east-1 (CloudFront only reads certificates from us-east-1)')
        .optional(),
    ),
    waf: bool,
    corsAllowedOrigins: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : (v ?? [])),
      z.array(origin).max(20),
    ),
    backupRetentionDays: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
      z.number({ error: 'must be a number of days' }).int().min(1).max(3650),
    ),
    alarmEmail: z.preprocess(emptyToUndefined, email.optional()),
    mailFrom: z.preprocess(emptyToUndefined, email.optional()),
    originSecretGeneration: z.preprocess(
      (v) => (v === undefined || v === '' ? 0 : typeof v === 'string' ? Number(v) : v),
      z.number({ error: 'must be a non-negative integer' }).int().min(0).max(1_000_000),
    ),
    deviceTokenLifetimeDays: z.preprocess(
      (v) => (v === undefined || v === '' ? DEFAULT_DEVICE_TOKEN_LIFETIME_DAYS : typeof v === 'string' ? Number(v) : v),
      z.number({ error: 'must be a number of days' }).int().min(1).max(3650),
    ),
    oidcProviders: z.preprocess(
      (v) => {
        if (v === undefined || v === null || v === '') return [];
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return v;
        }
      },
      z
        .array(oidcProvider, { error: 'must be a JSON array of { id, name, issuer, clientId, clientSecretName }' })
        .max(20)
        .refine((a) => new Set(a.map((p) => p.id)).size === a.length, 'provider ids must be unique'),
    ),
    turnstileSiteKey: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[0-9A-Za-z_-]{10,100}$/, 'must be a Turnstile site key like 0x4AAAAAAA…').optional(),
    ),
    turnstileSecretName: z.preprocess(emptyToUndefined, z.string().min(1).max(2048).optional()),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.turnstileSiteKey) !== Boolean(c.turnstileSecretName)) {
      ctx.addIssue({
        code: 'custom',
        path: ['turnstileSiteKey'],
        message: `${CONTEXT_KEYS.turnstileSiteKey} and ${CONTEXT_KEYS.turnstileSecretName} must be set together`,
      });
    }
    if (Boolean(c.domainName) !== Boolean(c.certificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: ['domainName'],
        message: `${CONTEXT_KEYS.domainName} and ${CONTEXT_KEYS.certificateArn} must be set together`,
      });
    }
  });

/** Anything with `tryGetContext` (an App, a Stack, a construct's node). */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** Read and validate the stage config. Throws one error naming every bad key. */
export function loadStageConfig(source: ContextSource | Node): StageConfig {
  const raw = Object.fromEntries(
    Object.entries(CONTEXT_KEYS).map(([field, key]) => [field, source.tryGetContext(key)]),
  );
  if (raw.backupRetentionDays === undefined) raw.backupRetentionDays = 35;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => {
        const field = String(i.path[0] ?? '') as keyof typeof CONTEXT_KEYS;
        return `  - ${CONTEXT_KEYS[field] ?? field}: ${i.message}`;
      })
      .join('\n');
    throw new Error(`flarevault: invalid stage configuration (cdk.json context or -c):\n${detail}`);
  }
  const c = parsed.data;
  const isProd = c.stage === 'prod';
  return {
    ...c,
    isProd,
    removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: isProd ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
  };
}

/** Non-prod stages are cheap to tear down; prod keeps its data. */
export function isDestroyable(config: StageConfig): boolean {
  return config.removalPolicy === RemovalPolicy.DESTROY;
}
