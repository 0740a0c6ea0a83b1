/**
 * `npm start`: the whole stack on this machine (see lib/local/stack.ts).
 *
 *   PORT                 gateway port (default 8787)
 *   FLAREVAULT_DATA_DIR  persistent state (default ./.flarevault)
 *   FLAREVAULT_SCHEDULE_SCALE  divide schedule periods (default 1; 0 disables the timers)
 *   LOG_LEVEL            handler log level (default INFO)
 */
import { resolve } from 'node:path';
import { startLocalStack } from '../lib/local/stack';

async function main(): Promise<void> {
  const t0 = Date.now();
  const port = process.env.PORT ? Number(process.env.PORT) : 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`flarevault: PORT must be a port number (got ${process.env.PORT})`);
  const scale = process.env.FLAREVAULT_SCHEDULE_SCALE === undefined ? 1 : Number(process.env.FLAREVAULT_SCHEDULE_SCALE);
  if (!Number.isFinite(scale) || scale < 0) throw new Error('flarevault: FLAREVAULT_SCHEDULE_SCALE must be a number >= 0');

  const stack = await startLocalStack({
    port,
    dataDir: process.env.FLAREVAULT_DATA_DIR ? resolve(process.env.FLAREVAULT_DATA_DIR) : undefined,
    schedules: scale === 0 ? false : { scale },
    log: (line) => console.log(`  ${line}`),
  });
  console.log(`  outbox    ${stack.env.MAIL_OUTBOX_DIR}`);
  console.log(`flarevault ready at ${stack.url} (${Date.now() - t0} ms)`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.log(`\nflarevault: ${signal} again, exiting now`);
      process.exit(130); // the 'exit' hook still kills DynamoDB Local
    }
    stopping = true;
    console.log(`\nflarevault: ${signal}, stopping…`);
    stack.stop().then(
      () => {
        console.log('flarevault: stopped');
        process.exit(0);
      },
      (e) => {
        console.error('flarevault: error while stopping', e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
