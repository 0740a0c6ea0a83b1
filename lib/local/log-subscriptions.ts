/**
 * CloudWatch Logs subscriptions, locally (the manifest's `logSubscriptions`, as lib/log-subscriptions.ts
 * makes them in AWS). In Lambda, what a function writes to stdout lands in its log group and a
 * subscription filter sends the matching lines to the destination function. Locally every handler
 * runs in this process, so the runtime taps this process's stdout: each complete line that the
 * subscription's match selects (a JSON line whose `field` equals `equals`, what the filter pattern
 * `{ $.field = "value" }` selects in AWS) is queued, and every `flushMs` (and on stop) the queue goes
 * to the destination as one real subscription event: `{ awslogs: { data } }`, `data` the base64 of
 * the gzip of `{ messageType: 'DATA_MESSAGE', owner, logGroup, logStream, subscriptionFilters, logEvents }`.
 *
 * Why stdout, not a hook in the logger: it is the channel Lambda captures, so functions/ holds no
 * local-only code path, and any writer of the line (Powertools' Console on process.stdout) is seen.
 * Differences from AWS, on purpose: the selected lines are delivered instead of printed (a local run
 * would otherwise print one JSON line per API call); all functions share one process, so the lines
 * carry no log group of their own (`logGroup` names the local process). A failed delivery is
 * retried twice (as Lambda retries an asynchronous invocation), then reported through `onError`.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsLogEvent } from 'aws-lambda';
import { logSubscriptions as manifestSubscriptions, type LogSubscriptionDef } from '../../functions/platform/manifest';
import { LOCAL_ACCOUNT_ID } from './kms';
import { invokeFunction, moduleHandlerResolver, type HandlerResolver } from './lambda';

export interface LogSubscriptionOptions {
  /** @default manifest logSubscriptions */
  subscriptions?: readonly LogSubscriptionDef[];
  resolveHandler?: HandlerResolver;
  region?: string;
  /** @default 200 */
  flushMs?: number;
  /** Delays between the retries of a failed delivery. @default [200, 1000] */
  retryDelaysMs?: readonly number[];
  /** The stream the functions log to. @default process.stdout */
  stream?: NodeJS.WriteStream;
  onError?: (err: unknown, subscriptionId: string, lines: number) => void;
}

export interface LogSubscriptions {
  /** Delivers what is queued now; resolves once every delivery started so far has ended. */
  flush(): Promise<void>;
  /** Lines delivered (the destination returned) and lines given up after the retries, per subscription. */
  stats(): { readonly delivered: number; readonly failed: number };
  stop(): Promise<void>;
}

/** CloudWatch Logs sends at most 10,000 events (1 MB) per batch; locally the batches stay small. */
const MAX_EVENTS_PER_DELIVERY = 500;
const LOCAL_LOG_GROUP = '/aws/lambda/flarevault-local';

/** The documented subscription event of a batch (lib/local encodes, functions/access-log/subscription.ts decodes). */
export function subscriptionEvent(data: CloudWatchLogsDecodedData): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data), 'utf8')).toString('base64') } };
}

/** Whether a log line is one the subscription's filter pattern selects. */
export function matchesSubscription(s: Pick<LogSubscriptionDef, 'match'>, line: string): boolean {
  if (!line.startsWith('{') || !line.includes(s.match.equals)) return false; // cheap pre-check: most lines are not JSON or not ours
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return parsed?.[s.match.field] === s.match.equals;
  } catch {
    return false;
  }
}

type Tap = (text: string) => boolean;
const taps = new Map<NodeJS.WriteStream, { original: NodeJS.WriteStream['write']; listeners: Set<Tap> }>();

/** Wraps `stream.write` once per stream; each tap sees every chunk and may claim it (not printed). */
function addTap(stream: NodeJS.WriteStream, tap: Tap): () => void {
  let entry = taps.get(stream);
  if (!entry) {
    const original = stream.write;
    const listeners = new Set<Tap>();
    entry = { original, listeners };
    const wrapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
      let claimed = false;
      if (text !== undefined) for (const l of listeners) claimed = l(text) || claimed;
      if (claimed) {
        const cb = rest.find((r): r is () => void => typeof r === 'function');
        if (cb) process.nextTick(cb);
        return true;
      }
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as NodeJS.WriteStream['write'];
    stream.write = wrapped;
    taps.set(stream, entry);
  }
  entry.listeners.add(tap);
  return () => {
    const e = taps.get(stream);
    if (!e) return;
    e.listeners.delete(tap);
    if (e.listeners.size === 0) {
      stream.write = e.original;
      taps.delete(stream);
    }
  };
}

export function startLogSubscriptions(options: LogSubscriptionOptions = {}): LogSubscriptions {
  const subscriptions = options.subscriptions ?? manifestSubscriptions;
  const resolver = options.resolveHandler ?? moduleHandlerResolver();
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const retryDelays = options.retryDelaysMs ?? [200, 1000];
  const onError = options.onError ?? ((err, id, n) => console.error(`[log subscription ${id}] ${n} lines not delivered:`, err));
  const logStream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
  const queued = new Map<string, CloudWatchLogsLogEvent[]>(subscriptions.map((s) => [s.id, []]));
  const inFlight = new Set<Promise<void>>();
  const counts = { delivered: 0, failed: 0 };
  let partial = '';
  let seq = 0;

  // A chunk is claimed (not printed) when every complete line in it went to a subscription.
  const removeTap = addTap(options.stream ?? process.stdout, (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    let all = lines.length > 0 && partial === '';
    for (const line of lines) {
      const s = subscriptions.find((x) => matchesSubscription(x, line));
      if (!s) {
        all = false;
        continue;
      }
      const now = Date.now();
      queued.get(s.id)!.push({ id: `${now}${String(seq++).padStart(8, '0')}`, timestamp: now, message: line });
    }
    return all;
  });

  const deliver = async (s: LogSubscriptionDef, events: CloudWatchLogsLogEvent[]): Promise<void> => {
    const event = subscriptionEvent({
      messageType: 'DATA_MESSAGE',
      owner: LOCAL_ACCOUNT_ID,
      logGroup: LOCAL_LOG_GROUP,
      logStream,
      subscriptionFilters: [`${s.id}-to-${s.fn}`],
      logEvents: events,
    });
    for (let attempt = 0; ; attempt++) {
      try {
        await invokeFunction(resolver, s.fn, event, region);
        counts.delivered += events.length;
        return;
      } catch (err) {
        if (attempt >= retryDelays.length) {
          counts.failed += events.length;
          onError(err, s.id, events.length);
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelays[attempt]));
      }
    }
  };

  const flushQueued = () => {
    for (const s of subscriptions) {
      const q = queued.get(s.id)!;
      while (q.length > 0) {
        const p = deliver(s, q.splice(0, MAX_EVENTS_PER_DELIVERY)).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    }
  };
  const timer = setInterval(flushQueued, options.flushMs ?? 200);
  timer.unref();

  const flush = async () => {
    flushQueued();
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  let stopped: Promise<void> | undefined;
  return {
    flush,
    stats: () => ({ ...counts }),
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        await flush();
        removeTap();
      })()),
  };
}
