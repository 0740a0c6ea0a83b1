/** Jest global teardown: stops the local stack started by global-setup.ts (and its JVM). */
export default async function globalTeardown(): Promise<void> {
  const child = globalThis.__FLAREVAULT_STACK__;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  const javaPid = Number(process.env.FLAREVAULT_DYNAMODB_PID);
  if (javaPid) {
    try {
      process.kill(javaPid, 0);
      process.kill(javaPid, 'SIGKILL'); // should not happen: the stack kills it on exit
    } catch {
      /* gone, as expected */
    }
  }
}
