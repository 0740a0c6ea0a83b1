/**
 * The hot-path bench's load generator, run in its own process (as wrk would be) so its
 * work does not share the gateway's event loop. Closed loop: `c` workers, each sends its
 * next request when the previous one answers. Reads one JSON job on stdin, writes the
 * per-request latencies (ms) as JSON on stdout.
 *   { kind: 'raw', table, key, c, total }           GetItem (ConsistentRead) through the app's SDK client config
 *   { kind: 'batch', requestItems, c, total }       BatchGetItem (the low-level input, ConsistentRead inside) through the same config
 *   { kind: 'http', url, token, c, total }          GET with a bearer token, connections kept alive
 *   { kind: 'http', url, tokens, c, total }         the same, the tokens taken in turn (several users)
 */
import { performance } from 'node:perf_hooks';
import { BatchGetItemCommand, type BatchGetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, dynamoDb } from '../../../functions/aws/client-dynamodb';

type Job =
  | { kind: 'raw'; table: string; key: Record<string, string>; c: number; total: number }
  | { kind: 'batch'; requestItems: BatchGetItemCommandInput['RequestItems']; c: number; total: number }
  | { kind: 'http'; url: string; token?: string; tokens?: string[]; c: number; total: number };

async function closedLoop(c: number, total: number, one: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  let left = total;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (left-- > 0) {
        const t = performance.now();
        await one();
        times.push(performance.now() - t);
      }
    }),
  );
  return times;
}

function oneCall(job: Job): () => Promise<void> {
  if (job.kind === 'raw') {
    const doc = documentClient();
    return async () => {
      await doc.send(new GetCommand({ TableName: job.table, Key: job.key, ConsistentRead: true }));
    };
  }
  if (job.kind === 'batch') {
    const client = dynamoDb();
    return async () => {
      await client.send(new BatchGetItemCommand({ RequestItems: job.requestItems }));
    };
  }
  const headers = (job.tokens ?? [job.token!]).map((t) => ({ authorization: `Bearer ${t}` }));
  let turn = 0;
  return async () => {
    const res = await fetch(job.url, { headers: headers[turn++ % headers.length] });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${job.url} answered ${res.status}`);
  };
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const job = JSON.parse(input) as Job;
  const one = oneCall(job);
  await closedLoop(job.c, Math.min(100, job.total), one); // warm-up: connections, JIT
  process.stdout.write(JSON.stringify(await closedLoop(job.c, job.total, one)));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
