/** Magic-link sign-in and email verification (issue 17 items 2 and 3). */
import * as z from 'zod';
import { defineRoute } from './route';
import { Email } from './common';
import { PasskeyAssertion } from './webauthn';
import { ClientKind, RecoveryCode, SignedIn, TotpCode } from './identity';
import { TurnstileToken } from './bot-protection';

const MagicToken = z.string().min(20).max(200);
const VerificationToken = z.string().min(20).max(200);

export const requestMagicLink = defineRoute({
  operationId: 'requestMagicLink',
  method: 'POST',
  path: '/api/v1/auth/magic-link',
  fn: 'auth',
  auth: 'public',
  summary:
    'Mail a single-use sign-in link (15 minutes) bound to this browser by a cookie; always 202 with a fresh `code`, known email or not. The code is typed where the link is opened in another browser',
  tags: ['auth'],
  body: z
    .object({
      email: Email,
      /** Cloudflare Turnstile token, required when the stage turns bot protection on (issue 17 item 4; GET /api/v1/auth/bot-protection). */
      turnstileToken: TurnstileToken.optional(),
    })
    .strict(),
  response: z.object({ code: z.string().regex(/^\d{6}$/) }),
  successStatus: 202,
});

export const signInWithMagicLink = defineRoute({
  operationId: 'signInWithMagicLink',
  method: 'POST',
  path: '/api/v1/auth/magic-link/sign-in',
  fn: 'signIn',
  auth: 'public',
  summary:
    'Sign in with a mailed link (single use). In another browser than the one that asked: 401 magic-link-code-required until `code` (shown there) is sent. 401 mfa-required as for the password sign-in',
  tags: ['auth'],
  body: z
    .object({
      token: MagicToken,
      code: z.string().regex(/^\d{6}$/, 'must be 6 digits').optional(),
      totp: TotpCode.optional(),
      recoveryCode: RecoveryCode.optional(),
      passkey: PasskeyAssertion.optional(),
      client: ClientKind,
    })
    .strict(),
  response: SignedIn,
});

export const verifyEmail = defineRoute({
  operationId: 'verifyEmail',
  method: 'POST',
  path: '/api/v1/auth/email/verify',
  fn: 'auth',
  auth: 'public',
  summary: 'Use an email-verification link (single use): verifies the sign-up address, or moves the account to the new address of a change',
  tags: ['auth'],
  body: z.object({ token: VerificationToken }).strict(),
  response: z.object({ email: z.string(), purpose: z.enum(['signup', 'change']) }),
});

export const resendEmailVerification = defineRoute({
  operationId: 'resendEmailVerification',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/email/verification/resend',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Mail a new verification link to the unverified sign-up address (always 202; 5 mails an hour per account)',
  tags: ['auth'],
  successStatus: 202,
});

export const changeEmail = defineRoute({
  operationId: 'changeEmail',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/email/change',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary:
    'Ask to change the email (needs a recent sign-in): the new address gets a verification link and the old one a notice; the change takes effect when the link is used. Always 202',
  tags: ['auth'],
  body: z.object({ newEmail: Email }).strict(),
  successStatus: 202,
});

export const emailAuthRoutes = [requestMagicLink, signInWithMagicLink, verifyEmail, resendEmailVerification, changeEmail];
