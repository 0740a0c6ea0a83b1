/**
 * Run by access-log-ingest.test.ts with `node --import tsx` (the local stack cannot start inside
 * jest: fauxqs is ESM): a local stack whose health route's function logs one access line and whose
 * log-subscription destination keeps what it gets; one request, then stop at once. Prints
 * `DELIVERED <json array of the delivered log lines>` after the stack stopped.
 */
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import { logSubscriptions } from '../../functions/platform/manifest';
import { startLocalStack } from '../../lib/local/stack';

const subscription = logSubscriptions[0]!;
const line = JSON.stringify({ [subscription.match.field]: subscription.match.equals, n: 42 });

async function main(): Promise<void> {
  const delivered: string[] = [];
  const stack = await startLocalStack({
    port: 0,
    persist: false,
    schedules: false,
    pollers: false,
    cloudflareSandbox: false,
    // No timed flush during the run, however slow the machine: only the stop can deliver the line.
    logFlushMs: 600_000,
    resolveHandler: (fnId) =>
      fnId === subscription.fn
        ? async (event: { awslogs: { data: string } }) => {
            const data = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsDecodedData;
            delivered.push(...data.logEvents.map((e) => e.message));
          }
        : async () => {
            process.stdout.write(`${line}\n`);
            return { statusCode: 200, body: '{}' };
          },
  });
  const status = (await fetch(`${stack.url}/api/health`)).status;
  const before = delivered.length; // the timed flush cannot have run
  await stack.stop();
  process.stdout.write(`DELIVERED ${JSON.stringify({ status, before, delivered })}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
