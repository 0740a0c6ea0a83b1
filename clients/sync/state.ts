/**
 * A device's profile: a folder only its user can read (0700, files 0600), written atomically
 * (temp file + rename) so a crash never leaves half a state.
 *
 *   state.json         server URL, device id and token, key version, per snapshot item the
 *                      version last synced and the SHA-256 of its plaintext, per type the
 *                      listing cursor, per device the next history idx to download, the own
 *                      log's next idx to upload, the events cursor
 *   master.key         the master key (base64), once unlocked (what a desktop client keeps in
 *                      the OS keychain)
 *   base/<type>/<id>.json   the plaintext last synced: the merge's common ancestor
 *   outbox.json        history records sealed but not yet acknowledged: a retry resends the
 *                      SAME blobs, which the server takes as an idempotent retry
 *   data/              the plaintext working copy (default; `--data` elsewhere):
 *                      data/<type>/<id>.json for snapshot types,
 *                      data/history/local.jsonl this device's log (line n = idx n),
 *                      data/history/<deviceId>.jsonl the logs pulled from the other devices
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, type JsonObject } from './merge';
import { DIR_MODE, readJsonFile, writePrivateFile } from '../shared/private-file';

export const SNAPSHOT_TYPES = ['environment', 'secret', 'collection', 'setting'] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];
export const SYNC_TYPES = ['history', ...SNAPSHOT_TYPES] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

/** A snapshot item's id, as the contract has it. */
export const ITEM_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface KnownSnapshot {
  version: number;
  /** SHA-256 (hex) of the canonical plaintext at that version: a different local file is a local edit. */
  hash: string;
}

export interface DeviceState {
  baseUrl: string;
  deviceId: string;
  deviceName: string;
  token: string;
  linkedAt: string;
  keyVersion?: number;
  snapshots: Record<string, Record<string, KnownSnapshot>>;
  /** Per snapshot type: the `since` of the next listing. */
  cursors: Record<string, number>;
  /** Per device log: the next idx to download. */
  history: Record<string, number>;
  /** This device's log: the next idx the server does not hold yet. */
  ownPushed: number;
  eventsCursor?: string;
}

export interface SealedHistoryRecord {
  idx: number;
  blob: string;
}

/** Canonical JSON (keys sorted at every depth): equal values hash equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export const plaintextHash = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

export class Profile {
  readonly dir: string;
  readonly dataDir: string;

  constructor(dir: string, dataDir?: string) {
    this.dir = dir;
    this.dataDir = dataDir ?? join(dir, 'data');
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    chmodSync(dir, DIR_MODE);
  }

  private path(...parts: string[]) {
    return join(this.dir, ...parts);
  }

  // --- state.json -----------------------------------------------------------------------

  load(): DeviceState | undefined {
    return readJsonFile<DeviceState>(this.path('state.json'));
  }

  /** The state of a linked device, or an error saying to link first. */
  linked(): DeviceState {
    const s = this.load();
    if (!s) throw new Error(`${this.dir} holds no linked device: run \`sync-client link\` first`);
    return s;
  }

  save(state: DeviceState): void {
    writePrivateFile(this.path('state.json'), `${JSON.stringify(state, null, 2)}\n`);
  }

  // --- the master key -------------------------------------------------------------------

  masterKey(): Buffer | undefined {
    const p = this.path('master.key');
    return existsSync(p) ? Buffer.from(readFileSync(p, 'utf8').trim(), 'base64') : undefined;
  }

  saveMasterKey(key: Buffer): void {
    writePrivateFile(this.path('master.key'), `${key.toString('base64')}\n`);
  }

  forgetMasterKey(): void {
    rmSync(this.path('master.key'), { force: true });
  }

  // --- merge bases ----------------------------------------------------------------------

  base(type: SnapshotType, id: string): JsonObject | undefined {
    return readJsonFile<JsonObject>(this.path('base', type, `${id}.json`));
  }

  saveBase(type: SnapshotType, id: string, value: JsonObject): void {
    writePrivateFile(this.path('base', type, `${id}.json`), canonicalJson(value));
  }

  // --- the history outbox ---------------------------------------------------------------

  outbox(): SealedHistoryRecord[] {
    return readJsonFile<SealedHistoryRecord[]>(this.path('outbox.json')) ?? [];
  }

  saveOutbox(records: SealedHistoryRecord[]): void {
    if (records.length === 0) rmSync(this.path('outbox.json'), { force: true });
    else writePrivateFile(this.path('outbox.json'), JSON.stringify(records));
  }

  // --- the plaintext working copy -------------------------------------------------------

  /** Snapshot items of a type in the working copy: id → parsed JSON. */
  localSnapshots(type: SnapshotType): Map<string, unknown> {
    const dir = join(this.dataDir, type);
    const out = new Map<string, unknown>();
    if (!existsSync(dir)) return out;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.json')) continue;
      const path = join(dir, name);
      try {
        out.set(name.slice(0, -'.json'.length), JSON.parse(readFileSync(path, 'utf8')));
      } catch (e) {
        throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
      }
    }
    return out;
  }

  readLocalSnapshot(type: SnapshotType, id: string): unknown {
    return readJsonFile<unknown>(join(this.dataDir, type, `${id}.json`));
  }

  writeLocalSnapshot(type: SnapshotType, id: string, value: JsonObject): void {
    writePrivateFile(join(this.dataDir, type, `${id}.json`), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** A history log of the working copy (`local` = this device's), one JSON value per line. */
  historyLog(name: string): unknown[] {
    const path = join(this.dataDir, 'history', `${name}.jsonl`);
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, n) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (e) {
          throw new Error(`${path} line ${n + 1} is not valid JSON: ${(e as Error).message}`);
        }
      });
  }

  /**
   * Takes a JSON input into the working copy: `{ "<snapshot type>": { "<id>": { … } }, "history": [ … ] }`;
   * items replace the working copy's, history values are appended to this device's log.
   */
  importInput(input: unknown): { items: number; history: number } {
    if (!isJsonObject(input)) throw new Error('the input is a JSON object keyed by type');
    const unknown = Object.keys(input).filter((k) => !(SYNC_TYPES as readonly string[]).includes(k));
    if (unknown.length) throw new Error(`the input names unknown types: ${unknown.join(', ')} (types: ${SYNC_TYPES.join(', ')})`);
    let items = 0;
    for (const type of SNAPSHOT_TYPES) {
      const byId = input[type];
      if (byId === undefined) continue;
      if (!isJsonObject(byId)) throw new Error(`input.${type} is an object of items by id`);
      for (const [id, value] of Object.entries(byId)) {
        if (!ITEM_ID.test(id) || !isJsonObject(value)) throw new Error(`input.${type}.${id}: an item id is [A-Za-z0-9._:-]{1,128} and an item a JSON object`);
        this.writeLocalSnapshot(type, id, value);
        items++;
      }
    }
    const history = input.history ?? [];
    if (!Array.isArray(history)) throw new Error('input.history is an array of records');
    this.appendHistoryLog('local', history);
    return { items, history: history.length };
  }

  /** Appends records to a log (pulled ones only ever in idx order: the caller pages in order). */
  appendHistoryLog(name: string, values: unknown[]): void {
    if (values.length === 0) return;
    const path = join(this.dataDir, 'history', `${name}.jsonl`);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
    writePrivateFile(path, before + values.map((v) => `${JSON.stringify(v)}\n`).join(''));
  }

  /** Names of the pulled logs (device ids), without this device's own. */
  pulledLogs(): string[] {
    const dir = join(this.dataDir, 'history');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl') && n !== 'local.jsonl')
      .map((n) => n.slice(0, -'.jsonl'.length))
      .sort();
  }
}
