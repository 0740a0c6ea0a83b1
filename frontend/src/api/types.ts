/**
 * API types, inferred from the server's zod contracts. `import type` only:
 * nothing from functions/ (and no zod) reaches the bundle.
 */
import type { z } from 'zod';
import type * as identity from '../../../functions/contracts/identity';
import type * as cloudflare from '../../../functions/contracts/cloudflare';
import type * as jobs from '../../../functions/contracts/jobs';
import type * as workspaces from '../../../functions/contracts/workspaces';
import type * as invites from '../../../functions/contracts/invites';
import type * as accessLog from '../../../functions/contracts/access-log';
import type * as applications from '../../../functions/contracts/applications';
import type * as sessions from '../../../functions/contracts/sessions';
import type * as sync from '../../../functions/contracts/sync';
import type * as syncData from '../../../functions/contracts/sync-data';
import type { FieldIssue } from '../../../functions/contracts/problem';
import type { Scope } from '../../../functions/contracts/route';
import type { OperationBody, OperationQuery, OperationResponse } from './operations';

export type { FieldIssue, Scope };

// identity
export type User = z.output<typeof identity.User>;
export type SignedIn = z.output<typeof identity.SignedIn>;
export type SignupBody = OperationBody<'signup'>;
export type LoginBody = OperationBody<'login'>;
export type Me = OperationResponse<'getMe'>;
export type Session = z.output<typeof identity.Session>;
export type TotpEnrollment = OperationResponse<'enrollTotp'>;
export type ChangePasswordBody = OperationBody<'changePassword'>;
export type ApiKey = z.output<typeof identity.ApiKey>;
export type CreateApiKeyBody = OperationBody<'createApiKey'>;
export type CreateApiKeyResponse = OperationResponse<'createApiKey'>;
export type ApiKeysResponse = OperationResponse<'listApiKeys'>;
export type AuditEvent = z.output<typeof identity.AuditEvent>;
export type OutboxMessage = z.output<typeof identity.OutboxMessage>;

// cloudflare
export type CloudflareAccount = z.output<typeof cloudflare.CloudflareAccount>;
export type CreateAccountBody = OperationBody<'createCloudflareAccount'>;
export type Zone = z.output<typeof cloudflare.Zone>;
export type DnsRecord = z.output<typeof cloudflare.DnsRecord>;
export type DnsRecordInput = z.input<typeof cloudflare.DnsRecordInput>;
export type DnsType = z.output<typeof cloudflare.DnsType>;

// jobs
export type Job = z.output<typeof jobs.Job>;
export type JobKind = Job['kind'];
/** Kinds a user can plan from the builder (the server may add internal kinds, e.g. for reverts; `dns-sync` is planned from a file by the CLI). */
export type CreatableKind = Exclude<CreateJobBody['kind'], 'dns-sync'>;
export type JobStatus = Job['status'];
export type ZonePlan = z.output<typeof jobs.ZonePlan>;
export type JobItem = z.output<typeof jobs.JobItem>;
export type JobEvent = z.output<typeof jobs.JobEvent>;
export type CreateJobBody = z.input<typeof jobs.CreateJobBody>;
export type ApplyJobBody = OperationBody<'applyJob'>;

// workspaces
export type Workspace = z.output<typeof workspaces.Workspace>;
export type Member = z.output<typeof workspaces.Member>;
export type Role = workspaces.Role;
/** A member's role, or SUPPORT (operator staff, read-only; never a member). */
export type CallerRole = z.output<typeof workspaces.CallerRoleSchema>;
export type Invite = z.output<typeof invites.Invite>;
export type AccessEntry = z.output<typeof accessLog.AccessEntry>;
export type Application = z.output<typeof applications.Application>;
export type ApplicationUser = z.output<typeof sessions.ApplicationUser>;
export type AutomationCredential = z.output<typeof sessions.AutomationCredential>;
export type CreatedAutomationCredential = OperationResponse<'createAutomationCredential'>;
export type AccessLogQuery = OperationQuery<'listAccessLog'>;

// sync (issue 16)
export type SyncDevice = z.output<typeof sync.Device>;
export type SyncTypeName = z.output<typeof syncData.SyncTypeName>;
export type SyncTypeStatus = z.output<typeof syncData.SyncTypeStatus>;
export type SyncOverview = OperationResponse<'getSyncOverview'>;

// Runtime copies of a few enums (the contracts' `as const` arrays cannot be
// imported at runtime without pulling zod in). `satisfies` keeps them in step.
export const JOB_KINDS = ['dns-replace', 'dns-create', 'dns-delete', 'bind-import', 'zone-settings', 'cache-purge'] as const satisfies readonly CreatableKind[];
export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA'] as const satisfies readonly DnsType[];
export const SCOPES = [
  'account:read',
  'account:write',
  'cloudflare:read',
  'cloudflare:write',
  'jobs:read',
  'jobs:write',
  'audit:read',
] as const satisfies readonly Scope[];
/** What each scope lets an API key do, in words (the CLI login's approval page lists them). */
export const SCOPE_MEANINGS: Record<Scope, string> = {
  'account:read': 'see your profile, workspaces, members and applications',
  'account:write': 'change your account settings',
  'cloudflare:read': 'read Cloudflare accounts, zones and DNS records',
  'cloudflare:write': 'change DNS records and Cloudflare accounts, and (with jobs:write) plan, apply and revert jobs',
  'jobs:read': 'read bulk jobs, their items and events',
  'jobs:write': 'plan, approve, apply, cancel and revert bulk jobs',
  'audit:read': 'read the audit logs and the API-access log',
};
/** Jobs that still change by themselves (the dashboard polls them): planning, the drift check, applying. */
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['planning', 'checking', 'queued', 'running'];

// Compile-time check that the runtime copies are complete, not only valid.
type Missing<All, Have> = Exclude<All, Have> extends never ? true : { missing: Exclude<All, Have> };
const _kindsComplete: Missing<CreatableKind, (typeof JOB_KINDS)[number]> = true;
const _typesComplete: Missing<DnsType, (typeof DNS_TYPES)[number]> = true;
const _scopesComplete: Missing<Scope, (typeof SCOPES)[number]> = true;
void _kindsComplete;
void _typesComplete;
void _scopesComplete;
