/**
 * `npm run sync-client -- <command>`: the reference sync client (issue 16 item 8; docs/sync-client.md).
 *
 *   link        device authorization: prints the verification URI and code, polls until approved,
 *               then unlocks (makes or unwraps the master key) when a passphrase is given
 *   unlock      unwrap the account's master key with the passphrase
 *   push | pull every type turned on (or `--type …`)
 *   status      what the profile knows, and the server's view
 *   rotate-key  re-wrap the master key under a new passphrase
 *   watch       long-poll the events feed (`--pull` pulls on each change)
 *
 * Every command takes `--profile <dir>` (the device's state, 0700) and `--json` (one JSON object
 * per line on stdout). Passphrases come from FLAREVAULT_SYNC_PASSPHRASE /
 * FLAREVAULT_SYNC_NEW_PASSPHRASE or `--passphrase-file` / `--new-passphrase-file`, never from
 * the command line (other users see it in the process list).
 */
import { readFileSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ApiError } from '../frontend/core/problem';
import { pull, push, status } from '../clients/sync/commands';
import { LinkedDevice } from '../clients/sync/device';
import { link, rotateKey, unlock } from '../clients/sync/link';
import { watch } from '../clients/sync/watch';

interface Common {
  profile: string;
  json?: boolean;
  data?: string;
}

/** Exit codes: 1 failure, 2 usage (commander), 3 the server refused this device's token. */
const EXIT_REFUSED = 3;

function passphrase(envName: string, file: string | undefined, what: string): string | undefined {
  const value = file ? readFileSync(file, 'utf8').replace(/\r?\n$/, '') : process.env[envName];
  if (value !== undefined && value.length === 0) throw new Error(`the ${what} is empty`);
  return value;
}

function required(value: string | undefined, what: string, env: string, flag: string): string {
  if (!value) throw new Error(`a ${what} is required: set ${env} or pass ${flag}`);
  return value;
}

function print(o: Common, result: unknown, human: string): void {
  console.log(o.json ? JSON.stringify(result) : human);
}

const summary = (result: object) => JSON.stringify(result, null, 2);

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--profile <dir>', "the device's profile folder (state, token, key)", process.env.FLAREVAULT_SYNC_PROFILE ?? join(homedir(), '.flarevault-sync'))
    .option('--data <dir>', 'the plaintext working copy (default: <profile>/data)')
    .option('--json', 'print JSON (one object per line)');
}

const program = new Command('sync-client').description('flarevault reference sync client: end-to-end encrypted sync of history, environments, secrets, collections and settings').showHelpAfterError();

common(program.command('link'))
  .description('link this device to an account (RFC 8628 device authorization), then unlock with the passphrase if one is given')
  .option('--url <url>', 'the flarevault URL', process.env.FLAREVAULT_URL)
  .option('--name <name>', "this device's name, shown when approving", hostname())
  .addOption(new Option('--platform <platform>', 'platform shown when approving').choices(['macos', 'windows', 'linux', 'ios', 'android', 'cli', 'other']).default('cli'))
  .option('--passphrase-file <file>', 'read the passphrase from a file (else FLAREVAULT_SYNC_PASSPHRASE)')
  .action(async (o: Common & { url?: string; name: string; platform: string; passphraseFile?: string }) => {
    const url = required(o.url, 'server URL', 'FLAREVAULT_URL', '--url');
    const secret = passphrase('FLAREVAULT_SYNC_PASSPHRASE', o.passphraseFile, 'passphrase');
    const linked = await link(o.profile, {
      baseUrl: url,
      deviceName: o.name,
      platform: o.platform,
      onPrompt: (s) =>
        print(o, { step: 'authorize', verification_uri: s.verification_uri, verification_uri_complete: s.verification_uri_complete, user_code: s.user_code, expires_in: s.expires_in }, `Open ${s.verification_uri_complete}\n(or ${s.verification_uri} and enter the code ${s.user_code}) to approve this device; waiting…`),
    });
    const unlocked = secret ? await unlock(LinkedDevice.open(o.profile), secret) : undefined;
    print(o, { step: 'linked', ...linked, unlocked: unlocked ?? null }, `Linked as device ${linked.deviceId}.${unlocked ? (unlocked.created ? ' Master key created and stored wrapped.' : ' Master key unwrapped.') : ' Run `unlock` with the passphrase next.'}`);
  });

common(program.command('unlock'))
  .description("unwrap the account's master key with the passphrase (the first device creates it)")
  .option('--passphrase-file <file>', 'read the passphrase from a file (else FLAREVAULT_SYNC_PASSPHRASE)')
  .action(async (o: Common & { passphraseFile?: string }) => {
    const secret = required(passphrase('FLAREVAULT_SYNC_PASSPHRASE', o.passphraseFile, 'passphrase'), 'passphrase', 'FLAREVAULT_SYNC_PASSPHRASE', '--passphrase-file');
    const r = await unlock(LinkedDevice.open(o.profile, { dataDir: o.data }), secret);
    print(o, r, r.created ? `Master key created (key version ${r.keyVersion}).` : `Unlocked (key version ${r.keyVersion}).`);
  });

for (const [name, run, verb] of [
  ['push', push, 'Pushed'],
  ['pull', pull, 'Pulled'],
] as const) {
  const cmd = common(program.command(name))
    .description(`${name} every type turned on in the sync settings (or only --type …)`)
    .option('--type <types...>', 'history, environment, secret, collection, setting');
  if (name === 'push') cmd.option('--input <file>', 'first take a JSON file into the working copy: { "<type>": { "<id>": {…} }, "history": […] }');
  cmd.action(async (o: Common & { type?: string[]; input?: string }) => {
    const device = LinkedDevice.open(o.profile, { dataDir: o.data });
    const imported = o.input ? device.profile.importInput(JSON.parse(readFileSync(o.input, 'utf8'))) : undefined;
    const r = { ...(imported ? { imported } : {}), ...(await run(device, o.type)) };
    print(o, r, `${verb} (${r.requests} requests):\n${summary(r.types)}${r.skipped.length ? `\nturned off: ${r.skipped.join(', ')}` : ''}`);
  });
}

common(program.command('status'))
  .description("what this device's profile knows, and (unless --offline) the server's view")
  .option('--offline', 'do not ask the server')
  .action(async (o: Common & { offline?: boolean }) => {
    const r = await status(LinkedDevice.open(o.profile, { dataDir: o.data }), o.offline);
    print(o, r, summary(r));
  });

common(program.command('rotate-key'))
  .description('re-wrap the master key under a new passphrase (records stay as they are)')
  .option('--new-passphrase-file <file>', 'read the new passphrase from a file (else FLAREVAULT_SYNC_NEW_PASSPHRASE)')
  .action(async (o: Common & { newPassphraseFile?: string }) => {
    const secret = required(passphrase('FLAREVAULT_SYNC_NEW_PASSPHRASE', o.newPassphraseFile, 'new passphrase'), 'new passphrase', 'FLAREVAULT_SYNC_NEW_PASSPHRASE', '--new-passphrase-file');
    const r = await rotateKey(LinkedDevice.open(o.profile, { dataDir: o.data }), secret);
    print(o, r, `Master key re-wrapped (key version ${r.keyVersion}).`);
  });

common(program.command('watch'))
  .description('long-poll the events feed and print each event')
  .option('--pull', 'pull after each data change')
  .option('--wait <s>', 'seconds each long-poll may wait (≤ 20)', (v) => Number(v), 20)
  .option('--max-events <n>', 'stop after n events', (v) => Number(v))
  .option('--for <s>', 'stop after s seconds', (v) => Number(v))
  .action(async (o: Common & { pull?: boolean; wait: number; maxEvents?: number; for?: number }) => {
    const device = LinkedDevice.open(o.profile, { dataDir: o.data });
    const resync = async () => void (await pull(device));
    const r = await watch(device, {
      wait: o.wait,
      maxEvents: o.maxEvents,
      forSeconds: o.for,
      resync,
      onEvent: async (e) => {
        print(o, { step: 'event', ...e }, `${e.at} ${e.event}${e.type ? ` ${e.type}` : ''}${e.id ? `/${e.id}` : ''} by ${e.deviceId}`);
        if (o.pull && (e.event === 'data_updated' || e.event === 'data_cleared') && e.deviceId !== device.state.deviceId) await resync();
      },
    });
    print(o, { step: 'end', ...r }, `watch ended (${r.end}) after ${r.events} events`);
    if (r.end === 'revoked') process.exitCode = EXIT_REFUSED;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const refused = err instanceof ApiError && err.status === 401;
  const message = refused ? `The server refused this device's token (revoked or unlinked): link again. (${err.message})` : err instanceof Error ? err.message : String(err);
  if (process.argv.includes('--json')) {
    console.error(JSON.stringify({ error: message, ...(err instanceof ApiError ? { status: err.status, slug: err.slug } : {}) }));
  } else console.error(message);
  process.exitCode = refused ? EXIT_REFUSED : 1;
});
