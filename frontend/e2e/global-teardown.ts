/**
 * Stops the stack of the global setup as a user would (SIGINT, like Ctrl-C: the supervisor
 * stops the web server, the worker, beat, Flower and the embedded Redis, and says "all processes
 * stopped"), waits for it, and checks that nothing it started is left running. Only when it
 * is still there after 30 s are its process groups killed, and the run then fails.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { descendants, ENV, FRONTEND_DIR, isAlive, signalGroup, sleep } from './support/stack';

const STOP_TIMEOUT_MS = 30_000;

export default async function globalTeardown(): Promise<void> {
  await stopStack();
}

export async function stopStack(): Promise<void> {
  const pid = Number(process.env[ENV.stackPid] ?? 0);
  const varDir = process.env[ENV.varDir];
  let problem = '';
  if (pid > 0 && isAlive(pid)) {
    // Known now: once the stack exits, its children are re-parented and cannot be found.
    const tree = descendants(pid);
    process.kill(pid, 'SIGINT');
    if (!(await waitFor(() => !isAlive(pid), STOP_TIMEOUT_MS))) {
      problem = `the stack (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGINT; killed`;
    }
    const left = () => [pid, ...tree].filter(isAlive);
    if (!problem && !(await waitFor(() => left().length === 0, 5000))) {
      problem = `processes of the stack outlived it: ${left().join(', ')}; killed`;
    }
    if (problem) {
      // Each program of the supervisor leads its own process group (session).
      for (const member of left()) signalGroup(member, 'SIGKILL');
      signalGroup(pid, 'SIGKILL');
      await waitFor(() => left().length === 0, 5000);
    }
  }
  delete process.env[ENV.stackPid];
  if (varDir && existsSync(varDir)) {
    const log = path.join(varDir, 'stack.log');
    if (existsSync(log)) {
      const kept = path.join(FRONTEND_DIR, 'test-results', 'stack.log');
      mkdirSync(path.dirname(kept), { recursive: true });
      copyFileSync(log, kept);
      if (!problem && pid > 0 && !readFileSync(log, 'utf8').includes('all processes stopped')) {
        problem = `the stack did not report "all processes stopped" (see ${kept})`;
      }
    }
    if (!process.env.E2E_KEEP_VAR) rmSync(varDir, { recursive: true, force: true });
  }
  if (problem) throw new Error(`e2e teardown: ${problem}`);
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done()) return true;
    await sleep(200);
  }
  return done();
}
