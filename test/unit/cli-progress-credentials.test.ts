/**
 * The CLI's progress lines off a terminal (clients/cli/progress.ts: rate and ETA, at most one line per
 * interval, always the phase change and the end) and its credentials (clients/cli/credentials.ts: the
 * OS config dir, a 0600 file in a 0700 dir, FLAREVAULT_API_KEY winning over the stored login).
 */
import { mkdtempSync, mkdirSync, chmodSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, deleteStored, NotLoggedInError, readStored, resolveCredentials, saveStored } from '../../clients/cli/credentials';
import { formatSeconds, LineProgress, rateAndEta } from '../../clients/cli/progress';

describe('progress lines', () => {
  it('computes rate since the phase started and the ETA at that rate', () => {
    expect(rateAndEta(0, 0, 10_000, 50, 250)).toEqual({ rate: 5, eta: 40 });
    expect(rateAndEta(0, 10, 0, 10, 100)).toEqual({ rate: 0, eta: undefined });
    // Nothing seen moving here (the phase ended between two polls): the job's own rate stands in.
    expect(rateAndEta(0, 0, 0, 40, 100, 8)).toEqual({ rate: 8, eta: 7.5 });
    expect(rateAndEta(0, 0, 1000, 100, 100)).toEqual({ rate: 100, eta: 0 });
    expect([formatSeconds(undefined), formatSeconds(42.4), formatSeconds(125), formatSeconds(7260)]).toEqual(['?', '42s', '2m05s', '2h01m']);
  });

  it('writes at most one line per interval, plus each phase change and the end', () => {
    let now = 0;
    const lines: string[] = [];
    const p = new LineProgress((l) => lines.push(l), 2000, () => now);
    p.update('planning', 0, 0);
    now = 500;
    p.update('planning', 1, 3);
    now = 1000;
    p.update('checking', 0, 3);
    for (let v = 0; v <= 100; v += 10) {
      now = 2000 + v * 100; // 10 s for 100 changes: 10/s
      p.update('applying', v, 100);
    }
    expect(lines).toEqual([
      'planning…',
      'checking: 0/3 (0%) 0.0/s ETA ?',
      'applying: 0/100 (0%) 0.0/s ETA ?',
      'applying: 20/100 (20%) 10.0/s ETA 8s',
      'applying: 40/100 (40%) 10.0/s ETA 6s',
      'applying: 60/100 (60%) 10.0/s ETA 4s',
      'applying: 80/100 (80%) 10.0/s ETA 2s',
      'applying: 100/100 (100%) 10.0/s ETA 0s',
    ]);
  });
});

describe('credentials', () => {
  const home = '/home/u';
  it('lives in the OS user config dir; FLAREVAULT_CONFIG_DIR overrides', () => {
    expect(configDir({}, 'linux', home)).toBe('/home/u/.config/flarevault');
    expect(configDir({ XDG_CONFIG_HOME: '/x' }, 'linux', home)).toBe('/x/flarevault');
    expect(configDir({}, 'darwin', home)).toBe('/home/u/Library/Application Support/flarevault');
    expect(configDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', home)).toBe(join('C:\\Users\\u\\AppData\\Roaming', 'flarevault'));
    expect(configDir({ FLAREVAULT_CONFIG_DIR: '/t', XDG_CONFIG_HOME: '/x' }, 'linux', home)).toBe('/t');
  });

  it('is stored 0600 in a 0700 dir (an existing wider dir is narrowed), read back and deleted', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cli-creds-')), 'cfg');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const env = { FLAREVAULT_CONFIG_DIR: dir };
    const stored = { url: 'http://fv', token: 'fv_key_x', apiKeyId: 'k', workspaceId: 'w', scopes: ['jobs:read'], createdAt: 't' };
    const path = saveStored(stored, env);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readStored(env)).toEqual(stored);
    expect(resolveCredentials(env)).toMatchObject({ url: 'http://fv', token: 'fv_key_x', source: 'file' });
    expect(resolveCredentials({ ...env, FLAREVAULT_API_KEY: 'fv_key_env', FLAREVAULT_URL: 'http://ci' })).toEqual({ url: 'http://ci', token: 'fv_key_env', source: 'env' });
    expect(deleteStored(env)).toBe(true);
    expect(() => resolveCredentials(env)).toThrow(NotLoggedInError);
    expect(() => resolveCredentials({ ...env, FLAREVAULT_API_KEY: 'k' })).toThrow(/FLAREVAULT_URL/);
  });
});
