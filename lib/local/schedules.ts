/**
 * EventBridge schedules, locally: a timer per manifest schedule invoking its
 * function with an EventBridge "Scheduled Event". A run that is still going
 * when the next tick comes is not overlapped (the tick is skipped and logged).
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { schedules as manifestSchedules, type ScheduleDef } from '../../functions/platform/manifest';
import { LOCAL_ACCOUNT_ID } from './kms';
import { invokeFunction, moduleHandlerResolver, type HandlerResolver } from './lambda';

export interface ScheduleOptions {
  /** @default manifest schedules */
  schedules?: readonly ScheduleDef[];
  /** Divides every period (e.g. 60 → "every 5 minutes" runs every 5 s). @default 1 */
  scale?: number;
  resolveHandler?: HandlerResolver;
  region?: string;
  log?: (line: string) => void;
}

export interface Schedules {
  /** Runs one schedule now (what the timer does), resolving when the function returns. */
  runNow(id: string): Promise<unknown>;
  stop(): Promise<void>;
}

export function scheduledEvent(s: ScheduleDef, region: string, now = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/flarevault-local-${s.id}`],
    detail: {},
  };
}

export function startSchedules(options: ScheduleOptions = {}): Schedules {
  const list = options.schedules ?? manifestSchedules;
  const resolver = options.resolveHandler ?? moduleHandlerResolver();
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const scale = options.scale ?? 1;
  const log = options.log ?? ((l: string) => console.log(l));
  const running = new Map<string, Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];

  const run = (s: ScheduleDef): Promise<unknown> => {
    const current = running.get(s.id);
    if (current) {
      log(`[schedule] ${s.id}: previous run still going, tick skipped`);
      return current;
    }
    const p = invokeFunction(resolver, s.fn, scheduledEvent(s, region), region)
      .catch((err) => {
        log(`[schedule] ${s.id} failed: ${(err as Error)?.stack ?? err}`);
        throw err;
      })
      .finally(() => running.delete(s.id));
    running.set(s.id, p);
    return p;
  };

  for (const s of list) {
    const ms = Math.max(10, (s.everyMinutes * 60_000) / scale);
    // setInterval's max delay is 2^31-1 ms (~24.8 days); the manifest's longest period is a day.
    const t = setInterval(() => void run(s).catch(() => undefined), Math.min(ms, 2 ** 31 - 1));
    t.unref();
    timers.push(t);
  }

  return {
    runNow: (id) => {
      const s = list.find((x) => x.id === id);
      if (!s) return Promise.reject(new Error(`no schedule ${id}`));
      return run(s);
    },
    stop: async () => {
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running.values()]);
    },
  };
}
