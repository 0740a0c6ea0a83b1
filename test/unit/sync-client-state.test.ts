/**
 * The reference client's profile (clients/sync/state.ts: private files, canonical hashes) and
 * its device authorization loop (clients/sync/link.ts) against a scripted token endpoint:
 * it waits `interval` between polls, grows it on slow_down for good, stops on a final error.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { link, LinkRefusedError } from '../../clients/sync/link';
import { canonicalJson, plaintextHash, Profile } from '../../clients/sync/state';

const tmp = () => mkdtempSync(join(tmpdir(), 'sync-client-'));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('the profile', () => {
  it('keeps the folder 0700 and state, key, bases and outbox 0600', () => {
    const dir = join(tmp(), 'profile');
    const p = new Profile(dir);
    p.save({ baseUrl: 'http://x', deviceId: 'd', deviceName: 'n', token: 'fv_dev_secret', linkedAt: '', snapshots: {}, cursors: {}, history: {}, ownPushed: 0 });
    p.saveMasterKey(Buffer.alloc(32, 7));
    p.saveBase('environment', 'dev', { a: 1 });
    p.saveOutbox([{ idx: 0, blob: 'AA==' }]);
    expect(mode(dir)).toBe(0o700);
    for (const f of ['state.json', 'master.key', 'base/environment/dev.json', 'outbox.json']) expect(mode(join(dir, f))).toBe(0o600);
    expect(p.linked().token).toBe('fv_dev_secret');
    expect(p.masterKey()!.equals(Buffer.alloc(32, 7))).toBe(true);
    p.saveOutbox([]);
    expect(p.outbox()).toEqual([]);
  });

  it('says to link first when no device is linked', () => {
    expect(() => new Profile(tmp()).linked()).toThrow(/link/);
  });

  it('reads the working copy: snapshot items per type, history logs line by line, with the file named on bad JSON', () => {
    const dir = tmp();
    const p = new Profile(dir, join(dir, 'work'));
    mkdirSync(join(dir, 'work', 'setting'), { recursive: true });
    mkdirSync(join(dir, 'work', 'history'), { recursive: true });
    writeFileSync(join(dir, 'work', 'setting', 'ui.json'), '{"theme":"dark"}');
    writeFileSync(join(dir, 'work', 'history', 'local.jsonl'), '{"cmd":"ls"}\n\n{"cmd":"pwd"}\n');
    expect([...p.localSnapshots('setting')]).toEqual([['ui', { theme: 'dark' }]]);
    expect(p.historyLog('local')).toEqual([{ cmd: 'ls' }, { cmd: 'pwd' }]);
    p.appendHistoryLog('devB', [{ cmd: 'a' }]);
    p.appendHistoryLog('devB', [{ cmd: 'b' }]);
    expect(p.historyLog('devB')).toEqual([{ cmd: 'a' }, { cmd: 'b' }]);
    expect(p.pulledLogs()).toEqual(['devB']);
    writeFileSync(join(dir, 'work', 'setting', 'bad.json'), '{');
    expect(() => p.localSnapshots('setting')).toThrow(/bad\.json is not valid JSON/);
  });

  it('takes a JSON input into the working copy (items replaced, history appended) and names what is wrong in a bad one', () => {
    const p = new Profile(tmp());
    p.appendHistoryLog('local', [{ cmd: 'first' }]);
    expect(p.importInput({ environment: { dev: { A: '1' } }, setting: { ui: { theme: 'dark' }, 'ed.itor': { font: 12 } }, history: [{ cmd: 'second' }] })).toEqual({ items: 3, history: 1 });
    expect(p.readLocalSnapshot('environment', 'dev')).toEqual({ A: '1' });
    expect([...p.localSnapshots('setting').keys()]).toEqual(['ed.itor', 'ui']);
    expect(p.historyLog('local')).toEqual([{ cmd: 'first' }, { cmd: 'second' }]);
    expect(() => p.importInput({ environments: {} })).toThrow(/unknown types: environments/);
    expect(() => p.importInput({ secret: { 'a/b': {} } })).toThrow(/input\.secret\.a\/b/);
    expect(() => p.importInput({ secret: { ok: 'not an object' } })).toThrow(/JSON object/);
    expect(() => p.importInput({ history: {} })).toThrow(/input\.history is an array/);
    expect(() => p.importInput([])).toThrow(/JSON object keyed by type/);
  });

  it('hashes canonical JSON: key order does not count, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(plaintextHash({ b: 1, a: 2 })).toBe(plaintextHash({ a: 2, b: 1 }));
    expect(plaintextHash({ a: 1 })).not.toBe(plaintextHash({ a: '1' }));
  });
});

describe('link (RFC 8628 polling)', () => {
  const started = { device_code: 'dc', user_code: 'BCDF-GHJK', verification_uri: 'http://x/sync/authorize', verification_uri_complete: 'http://x/sync/authorize?code=BCDF-GHJK', interval: 5, expires_in: 300 };
  const tokenError = (error: string, extra: Record<string, unknown> = {}) =>
    new Response(JSON.stringify({ type: `https://x/problems/${error}`, title: 'Bad Request', status: 400, detail: error, error, ...extra }), { status: 400, headers: { 'content-type': 'application/problem+json' } });

  function scripted(answers: Response[]) {
    const calls: string[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${new URL(url).pathname}`);
      if (new URL(url).pathname === '/api/v1/sync/init') return new Response(JSON.stringify(started), { status: 200, headers: { 'content-type': 'application/json' } });
      return answers.shift()!;
    }) as typeof fetch;
    return { fetchImpl, calls };
  }

  it('waits the interval, adds 5 s for good on slow_down, then saves the token (0600)', async () => {
    const { fetchImpl, calls } = scripted([
      tokenError('authorization_pending'),
      tokenError('slow_down', { interval: 10 }),
      tokenError('authorization_pending'),
      new Response(JSON.stringify({ access_token: 'fv_dev_x', token_type: 'Bearer', expires_in: 100, device_id: 'dev1' }), { status: 200, headers: { 'content-type': 'application/json' } }),
    ]);
    const waits: number[] = [];
    const prompts: string[] = [];
    const dir = tmp();
    const r = await link(dir, { baseUrl: 'http://x', deviceName: 'T', fetchImpl, sleep: async (ms) => void waits.push(ms), onPrompt: (s) => prompts.push(s.user_code) });
    expect(prompts).toEqual(['BCDF-GHJK']);
    expect(waits).toEqual([5000, 5000, 10000, 10000]);
    expect(r).toEqual({ deviceId: 'dev1', polls: 4, interval: 10 });
    expect(calls.filter((c) => c === 'POST /api/v1/sync/token')).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ deviceId: 'dev1', token: 'fv_dev_x', baseUrl: 'http://x' });
    expect(mode(join(dir, 'state.json'))).toBe(0o600);
  });

  it('slow_down without an interval member still grows it by 5 s', async () => {
    const { fetchImpl } = scripted([tokenError('slow_down'), tokenError('access_denied')]);
    const waits: number[] = [];
    await expect(link(tmp(), { baseUrl: 'http://x', deviceName: 'T', fetchImpl, sleep: async (ms) => void waits.push(ms), onPrompt: () => undefined })).rejects.toThrow(LinkRefusedError);
    expect(waits).toEqual([5000, 10000]);
  });

  it.each(['access_denied', 'expired_token', 'invalid_grant'])('stops on %s', async (error) => {
    const { fetchImpl } = scripted([tokenError(error)]);
    await expect(link(tmp(), { baseUrl: 'http://x', deviceName: 'T', fetchImpl, sleep: async () => undefined, onPrompt: () => undefined })).rejects.toMatchObject({ error });
  });
});
