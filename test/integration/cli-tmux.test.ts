/**
 * The CLI in a real terminal (issue 18): `flarevault dns apply zones.yaml --prune` runs inside tmux
 * (a pane of fixed size, so a TTY: colour and the progress bar), answers its confirmation prompt
 * with a key press, and the pane is captured (`tmux capture-pane -p -e`, escape sequences kept)
 * while the job applies and at the end, into test-artifacts/cli-tmux-*.txt. Skipped, with the
 * reason printed, where tmux is not installed (.ci/run installs it with apt-get).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../../lib/local/stack';
import type { ZonesFileInput } from '../../functions/contracts/dns-sync';
import { cliAccount, sandboxAdmin } from '../support/cli-account';
import { call } from '../support/http';
import { editZone, type FileRecord } from '../support/zones-edit';

const tmuxVersion = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
const HAS_TMUX = tmuxVersion.status === 0;
if (!HAS_TMUX) console.log(`cli-tmux.test.ts skipped: tmux is not installed (${tmuxVersion.error?.message ?? tmuxVersion.stderr}); .ci/run installs it with apt-get`);

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const SOCKET = `flarevault-cli-test-${process.pid}`;
const SESSION = 'cli';
const COLS = 140;
const ROWS = 40;
const EDIT = { updates: 6, deletes: 3, creates: 5 };
const EXTRA_ZONES = 15;

const tmux = (...args: string[]) => {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
/** The pane with its scrollback, SGR escapes kept (-e). */
const capture = () => tmux('capture-pane', '-p', '-e', '-S', '-', '-t', SESSION);
// eslint-disable-next-line no-control-regex
const plainText = (s: string) => s.replace(/\x1b\[[0-9;:]*[A-Za-z]/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A cli-progress bar as the CLI draws it: `applying [=====-----] 50% 21/42 | 40.1/s | ETA 1s` (`█░` with the shades preset). */
const BAR = /(planning|checking|applying)\s+\[[=\-\u2588\u2591]{10,}\]\s+\d{1,3}%\s+\d+\/\d+/;

async function until(what: string, ok: (pane: string) => boolean, onPane: (pane: string) => void = () => undefined, timeoutMs = 90_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pane = capture();
    onPane(pane);
    if (ok(pane)) return pane;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the pane:\n${plainText(pane)}`);
    await sleep(100);
  }
}

(HAS_TMUX ? describe : describe.skip)('the CLI under tmux', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-tmux-'));
  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  });

  test('dns apply draws the coloured diff, asks, and shows the progress bar while the job applies', async () => {
    const account = await cliAccount('tmux');
    // Beside its 3 demo zones, Free zones enough that the run lasts a few of the CLI's polls (a bar going).
    await sandboxAdmin('POST', 'seed', { reset: false, accounts: [{ id: account.cfAccountId, name: 'tmux (sandbox)' }], tokens: [], zones: EXTRA_ZONES, recordsPerZone: 60, plan: 'free', prefix: `tmux-${account.cfAccountId.slice(0, 6)}`, tld: 'example' });
    const zones = await call('GET', `/api/v1/cloudflare/accounts/${account.accountId}/zones`, { token: account.user.token });
    expect(zones.status).toBe(200);
    const file: ZonesFileInput = { version: 1, account: account.accountId, zones: {} };
    for (const z of zones.body.zones as Array<{ id: string; name: string }>) {
      const state = await call('GET', `/api/v1/cloudflare/accounts/${account.accountId}/zones/${z.id}/state`, { token: account.user.token });
      expect(state.status).toBe(200);
      file.zones[z.name] = { ...state.body.state, records: editZone(state.body.state.records as FileRecord[], EDIT) };
    }
    const zonesFile = join(dir, 'zones.yaml');
    writeFileSync(zonesFile, stringify(file));

    const command = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'bin', 'flarevault.ts'), 'dns', 'apply', zonesFile, '--prune'].map((a) => `'${a}'`).join(' ');
    const env = { FLAREVAULT_URL: process.env.FLAREVAULT_URL!, FLAREVAULT_API_KEY: account.apiKey, FLAREVAULT_CONFIG_DIR: join(dir, 'config'), TERM: 'xterm-256color' };
    // The shell stays after the CLI so the last screen can be captured; its exit code is printed.
    tmux('new-session', '-d', '-s', SESSION, '-x', String(COLS), '-y', String(ROWS), '-c', REPO_ROOT, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), `sh -c "unset NO_COLOR; ${command.replace(/"/g, '\\"')}; echo '[exit '\\$?']'; sleep 600"`);

    const prompt = await until('the confirmation prompt', (p) => /\[y\/N\]/.test(plainText(p)));
    tmux('send-keys', '-t', SESSION, 'y', 'Enter');
    let midApply: string | undefined;
    const end = await until(
      'the CLI to exit',
      (p) => /\[exit \d+\]/.test(plainText(p)),
      (p) => {
        const text = plainText(p);
        // The latest screen after the confirmation with a bar of the apply (drift check or run) still going.
        const going = text.split('\n').some((l) => BAR.test(l) && /(checking|applying)/.test(l) && !/100%/.test(l));
        if (going && !/\[exit \d+\]/.test(text)) midApply = p;
      },
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'cli-tmux-prompt.txt'), prompt);
    if (midApply) writeFileSync(join(ARTIFACTS, 'cli-tmux-apply.txt'), midApply);
    writeFileSync(join(ARTIFACTS, 'cli-tmux-end.txt'), end);

    const text = plainText(end);
    expect(text).toMatch(/\[exit 0\]/);
    // The diff: per zone, + created hosts, ~ updated ones with old → new, - deleted ones; then the plan line.
    const zoneNames = Object.keys(file.zones);
    for (const zone of zoneNames) expect(text).toContain(zone);
    expect(text).toMatch(/^\s+\+ new-0001\s+AAAA\s+2001:db8:eeee::1/m);
    expect(text).toMatch(/^\s+~ host-\d+\s+\w+\s+content: \S+ → 203\.0\.113\.\d+/m);
    expect(text).toMatch(/^\s+- host-\d+\s+\w+/m);
    expect(text).toMatch(new RegExp(`${EDIT.creates * zoneNames.length} to create, ${EDIT.updates * zoneNames.length} to update, ${EDIT.deletes * zoneNames.length} to delete`));
    expect(text).toMatch(/Apply \d+ change\(s\) of job \S+\? \[y\/N\] y/);
    // Colour: the markers are painted (green +, yellow ~, red -), as a TTY gets them.
    expect(end).toMatch(/\x1b\[[0-9;]*3[23]m\s*[+~]/);
    expect(end).toMatch(/\x1b\[[0-9;]*31m\s*-/);
    // The progress bar: drawn while the job ran (captured mid-apply) and left on the last screen.
    expect(midApply).toBeDefined();
    expect(plainText(midApply!).split('\n').some((l) => BAR.test(l))).toBe(true);
    // …and the last screen shows the run's bar full: every change of the plan settled.
    const total = (EDIT.creates + EDIT.updates + EDIT.deletes) * zoneNames.length;
    expect(text).toMatch(new RegExp(`applying\\s+\\[[=\u2588]+\\]\\s+100%\\s+${total}/${total}`));
  }, 150_000);
});
