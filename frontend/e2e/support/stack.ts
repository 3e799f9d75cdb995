/**
 * What the global setup and teardown share with the tests: where the stack runs, who can log
 * in, and how a process tree is found and stopped. Values travel through environment
 * variables: the setup sets them in the runner process and the test workers inherit them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_DIR = path.resolve(FRONTEND_DIR, '..');
export const BACKEND_DIR = path.join(REPO_DIR, 'backend');
export const SCREENSHOT_DIR = path.join(FRONTEND_DIR, 'e2e', 'screenshots');

/** The admin superuser that `python -m stack run` ensures, with a password we choose. */
export const ADMIN = { username: 'admin', password: 'e2e-admin-Pa55word' } as const;

/** Non-staff users made by the setup, one per spec so that their notifications do not mix. */
export const USERS = {
  basic: 'e2e-basic',
  deploy: 'e2e-deployer',
  cancel: 'e2e-canceller',
  live: 'e2e-watcher',
  operator: 'e2e-operator',
  retry: 'e2e-retrier',
  phone: 'e2e-phone',
  djangoTasks: 'e2e-django-tasks',
} as const;
export const USER_PASSWORD = 'e2e-user-Pa55word';

export const ENV = {
  baseUrl: 'E2E_BASE_URL',
  stackPid: 'E2E_STACK_PID',
  varDir: 'E2E_VAR_DIR',
} as const;

export function baseUrl(): string {
  const url = process.env[ENV.baseUrl];
  if (!url) throw new Error(`${ENV.baseUrl} is not set: run the tests with \`npx playwright test\` (global setup)`);
  return url;
}

/** A TCP port that nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Every live descendant of `root` (children, grandchildren ...), read from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc (not Linux): the supervisor's own stop is all we rely on
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces or parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Whether `pid` still runs (a zombie, ended but not yet reaped by its parent, does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Sends `signal` to the process group `pgid` (and to `pgid` alone if it has no group). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    try {
      process.kill(pgid, signal);
    } catch {
      // Already gone.
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
