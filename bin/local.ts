/**
 * `npm start`: the whole stack on this machine (see lib/local/stack.ts).
 *
 *   PORT                 gateway port (default 8787)
 *   FLAREVAULT_DATA_DIR  persistent state (default ./.flarevault)
 *   FLAREVAULT_SCHEDULE_SCALE  divide schedule periods (default 1; 0 disables the timers)
 *   LOG_LEVEL            handler log level (default INFO)
 *   EXAMPLE_APP_PORT     the session-vault example app's port (default PORT + 1; `off` disables it)
 *   OIDC_PROVIDER_PORT   the local OpenID provider's port (default PORT + 2; `off` disables it). Fixed, because
 *                        the issuer URL is part of every linked identity: another port is another provider.
 *   FLAREVAULT_TURNSTILE Turnstile on signup, magic-link and password-reset requests against the local
 *                        Turnstile endpoint with Cloudflare's test secret: pass | fail | spent (default off)
 *
 * Before the pollers and timers start, data of earlier versions in the data dir is migrated
 * (functions/ops/migrate-workspaces.ts: user-owned accounts and jobs into personal workspaces;
 * idempotent, so a no-op once done). It runs here because lib/ may not import functions/.
 */
import { join, resolve } from 'node:path';
import { outboxLogLine } from '../lib/local/outbox-log';
import { registerExampleApp, startExampleApp, type ExampleAppServer } from '../lib/local/example-app';
import { removeRuntimeEnv, writeRuntimeEnv } from '../lib/local/runtime-env';
import { startLocalStack } from '../lib/local/stack';
import { DUMMY_TOKEN, TURNSTILE_MODES, type TurnstileMode } from '../lib/local/turnstile';
import { createDataLayer } from '../functions/data/from-env';
import { tableFromEnv } from '../functions/aws/table';
import { kmsKeyWrapperFromEnv } from '../functions/crypto/kms';
import { migrateWorkspaces } from '../functions/ops/migrate-workspaces';
import { relyingPartyOf } from '../functions/identity/relying-party';

// The SDK warns once per process that releases after January 2027 need Node 22; keep the ready output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Stack = Awaited<ReturnType<typeof startLocalStack>>;
let stack: Stack | undefined;
let exampleApp: ExampleAppServer | undefined;
let stopping = false;
let stoppingSince = 0;

function shutdown(reason: string): void {
  // Ctrl-C reaches us twice: from the terminal (the whole process group) and forwarded by npm.
  if (stopping && Date.now() - stoppingSince < 1000) return;
  if (stopping || !stack) {
    // Second signal, or still starting: exit now; the 'exit' hooks kill the JVM and release the data dir lock.
    console.log(`\nflarevault: ${reason}, exiting now`);
    process.exit(130);
  }
  stopping = true;
  stoppingSince = Date.now();
  console.log(`\nflarevault: ${reason}, stopping…`);
  removeRuntimeEnv();
  Promise.all([exampleApp?.stop(), stack.stop()]).then(
    () => {
      console.log('flarevault: stopped');
      process.exit(0);
    },
    (e) => {
      console.error('flarevault: error while stopping', e);
      process.exit(1);
    },
  );
}
// Installed before anything starts, so Ctrl-C during start-up leaves no Java behind either.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => shutdown(sig));
/*
 * A SIGTERM/SIGINT sent to `npm start` alone (a supervisor, an IDE) is forwarded by npm to its
 * `sh -c`, which dies without passing it on. We are then re-parented: stop as if signalled.
 */
const launcher = process.ppid;
const launcherWatch = setInterval(() => {
  if (process.ppid === launcher) return;
  clearInterval(launcherWatch);
  shutdown('launcher exited');
}, 250);
launcherWatch.unref();

/** Data of earlier versions → the current layout (the env is already in process.env). */
async function migrateLocalData(): Promise<void> {
  const dl = createDataLayer({ table: tableFromEnv(), wrapper: kmsKeyWrapperFromEnv() });
  const r = await migrateWorkspaces({ table: dl.table, keyring: dl.keyring, repo: dl.repo, now: Date.now });
  if (r.moved > 0 || r.pointers > 0) console.log(`  migrated  ${r.moved} item(s) of ${r.users} user(s) into their personal workspaces`);
  for (const c of r.conflicts) console.log(`  migrate   left in place (key taken in the workspace): ${c}`);
  for (const c of r.unreadable) console.log(`  migrate   left in place (does not decrypt): ${c}`);
}

/**
 * The session-vault example app on its own origin, registered as an application of a local
 * example developer the first time (lib/local/example-app.ts). A busy port only skips it.
 */
async function startExample(stack: Stack, port: number, dataDir: string): Promise<void> {
  const setting = process.env.EXAMPLE_APP_PORT;
  if (setting === 'off') return;
  const examplePort = setting === undefined ? (port === 0 ? 0 : port + 1) : Number(setting);
  if (!Number.isInteger(examplePort) || examplePort < 0 || examplePort > 65535) throw new Error(`flarevault: EXAMPLE_APP_PORT must be a port number or off (got ${setting})`);
  try {
    exampleApp = await startExampleApp({ port: examplePort, apiUrl: stack.url });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    console.log(`  example   port ${examplePort} is in use: the example app is not served (set EXAMPLE_APP_PORT)`);
    return;
  }
  const turnstileToken = stack.env.TURNSTILE_SITE_KEY ? DUMMY_TOKEN : undefined;
  const app = await registerExampleApp({ apiUrl: stack.url, appUrl: exampleApp.url, stateFile: join(dataDir, 'example-app.json'), turnstileToken }).catch((e: { status?: number }) => {
    // FLAREVAULT_TURNSTILE=fail|spent refuses every sign-up, the example developer's too.
    if (!turnstileToken || (e.status !== 403 && e.status !== 400)) throw e;
    console.log(`  example   not registered: Turnstile (${process.env.FLAREVAULT_TURNSTILE}) refused its developer's sign-up`);
    return undefined;
  });
  if (!app) return;
  exampleApp.configure({ apiUrl: stack.url, clientId: app.clientId, redirectUri: `${exampleApp.url}/` });
  console.log(`  example   ${exampleApp.url} (session-vault example app, client id ${app.clientId})`);
  console.log(`            its developer signs in to the dashboard as ${app.email} / ${app.password}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const port = process.env.PORT ? Number(process.env.PORT) : 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`flarevault: PORT must be a port number (got ${process.env.PORT})`);
  const scale = process.env.FLAREVAULT_SCHEDULE_SCALE === undefined ? 1 : Number(process.env.FLAREVAULT_SCHEDULE_SCALE);
  if (!Number.isFinite(scale) || scale < 0) throw new Error('flarevault: FLAREVAULT_SCHEDULE_SCALE must be a number >= 0');

  const turnstile = process.env.FLAREVAULT_TURNSTILE || undefined;
  if (turnstile !== undefined && turnstile !== 'off' && !TURNSTILE_MODES.includes(turnstile as TurnstileMode)) {
    throw new Error(`flarevault: FLAREVAULT_TURNSTILE must be pass, fail, spent or off (got ${turnstile})`);
  }

  const dataDir = resolve(process.env.FLAREVAULT_DATA_DIR ?? join(__dirname, '..', '.flarevault'));
  const oidcSetting = process.env.OIDC_PROVIDER_PORT;
  const oidcPort = oidcSetting === undefined ? (port === 0 ? 0 : port + 2) : Number(oidcSetting);
  if (oidcSetting !== 'off' && (!Number.isInteger(oidcPort) || oidcPort < 0 || oidcPort > 65535)) {
    throw new Error(`flarevault: OIDC_PROVIDER_PORT must be a port number or off (got ${oidcSetting})`);
  }
  stack = await startLocalStack({
    port,
    oidcProvider: oidcSetting === 'off' ? false : { port: oidcPort },
    turnstile: turnstile === undefined || turnstile === 'off' ? false : (turnstile as TurnstileMode),
    dataDir,
    schedules: scale === 0 ? false : { scale },
    log: (line) => console.log(`  ${line}`),
    onMail: (mail) => console.log(outboxLogLine(mail)),
    beforeServe: migrateLocalData,
  });
  console.log(`  outbox    ${stack.env.MAIL_OUTBOX_DIR}`);
  // Browsers refuse an IP address as a passkey's relying party (identity/relying-party.ts).
  console.log(`  passkeys  ${relyingPartyOf(stack.env.PUBLIC_URL!).origin} (open the dashboard there to use passkeys)`);
  await startExample(stack, port, dataDir);
  writeRuntimeEnv(stack.env);
  console.log(`flarevault ready at ${stack.url} (${Date.now() - t0} ms)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
