/**
 * The local stack as a child process for jest's global setup (run with
 * `node --import tsx`): handlers are TypeScript, and jest's own module
 * system is not available to code running in the globalSetup process later.
 *
 * Protocol: one stdout line `FLAREVAULT_STACK_READY <json>` once serving;
 * on failure `FLAREVAULT_STACK_FAILED <message>` and exit 1. Stops on
 * SIGTERM/SIGINT or when stdin closes (the parent died), so no Java is left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../lib/local/stack';

// The stack keeps its data in memory, but mail lands in <dataDir>/outbox: a folder of this run's own,
// not the developer's .flarevault/outbox (which a running `npm start` prints).
const ownDataDir = process.env.FLAREVAULT_TEST_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'flarevault-test-'));
if (ownDataDir) process.on('exit', () => rmSync(ownDataDir, { recursive: true, force: true }));

// Until the stack is up, a signal or a closed stdin exits at once (the 'exit' hook kills the JVM).
const early = () => process.exit(1);
process.on('SIGTERM', early);
process.on('SIGINT', early);
process.stdin.on('end', early);
process.stdin.resume();

async function main(): Promise<void> {
  const visibility = process.env.FLAREVAULT_TEST_VISIBILITY_TIMEOUT;
  const stack = await startLocalStack({
    port: 0,
    persist: false,
    dataDir: process.env.FLAREVAULT_TEST_DATA_DIR ?? ownDataDir,
    schedules: false,
    pollers: { waitTimeSeconds: 1 },
    visibilityTimeoutSeconds: visibility ? Number(visibility) : undefined,
    // A second provider on the same issuer configured as Microsoft Entra ID is (emailVerifiedClaim xms_edov).
    oidcProvider: { entraProvider: true },
    log: (line) => console.error(line),
  });
  process.off('SIGTERM', early);
  process.off('SIGINT', early);
  process.stdin.off('end', early);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stack.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  const ready = {
    url: stack.url,
    env: stack.env,
    dlqUrls: stack.dlqUrls,
    dynamodbPid: stack.dynamodbPid,
    pid: process.pid,
  };
  process.stdout.write(`FLAREVAULT_STACK_READY ${JSON.stringify(ready)}\n`);
}

main().catch((e) => {
  process.stdout.write(`FLAREVAULT_STACK_FAILED ${JSON.stringify(String(e instanceof Error ? e.message : e))}\n`);
  process.exit(1);
});
