/**
 * Starts the real product for the browser tests, exactly as `make run` does:
 * `python -m stack run` (preflight, embedded Redis, migrate, the admin user, then the web
 * server, a Celery worker, beat, Flower and, with TASKPULSE_DJANGO_TASKS, Django's tasks
 * framework's db_worker), on free ports, with every file of its own (SQLite
 * database, Redis data, secrets) in a fresh temporary folder. Then it adds the non-staff
 * users the tests log in as. The global teardown stops it with SIGINT, as Ctrl-C would.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { FullConfig } from '@playwright/test';

import { stopStack } from './global-teardown';
import {
  ADMIN,
  BACKEND_DIR,
  ENV,
  freePort,
  REPO_DIR,
  SCREENSHOT_DIR,
  sleep,
  USER_PASSWORD,
  USERS,
} from './support/stack';

const HEALTH_TIMEOUT_MS = 120_000;

export default async function globalSetup(_config: FullConfig): Promise<void> {
  // Screenshots of this run only.
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  const python = process.env.E2E_PYTHON ?? path.join(REPO_DIR, '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error(`no Python at ${python}: run \`make e2e\` (it installs the backend)`);

  const varDir = mkdtempSync(path.join(tmpdir(), 'taskpulse-e2e-'));
  const webPort = await freePort();
  let flowerPort = await freePort();
  while (flowerPort === webPort) flowerPort = await freePort();
  const env = stackEnv(varDir, webPort, flowerPort);

  const logPath = path.join(varDir, 'stack.log');
  const log = openSync(logPath, 'a');
  // Its own process group, so that a last-resort kill reaches everything it started.
  const stack = spawn(python, ['-m', 'stack', 'run'], {
    cwd: BACKEND_DIR,
    env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  stack.unref();
  const pid = stack.pid;
  if (pid === undefined) throw new Error(`could not start ${python} -m stack run`);
  let exitCode: number | null | undefined;
  stack.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? -1 : null);
  });
  // Should the runner die without its teardown, the stack still gets its Ctrl-C.
  process.on('exit', () => {
    if (exitCode !== undefined) return;
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // Already gone.
    }
  });

  const baseUrl = `http://127.0.0.1:${webPort}`;
  process.env[ENV.baseUrl] = baseUrl;
  process.env[ENV.stackPid] = String(pid);
  process.env[ENV.varDir] = varDir;

  try {
    await waitForHealth(baseUrl, () => exitCode !== undefined);
    await createUsers(python, env);
  } catch (error) {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
    await stopStack().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n--- last lines of the stack's output ---\n${tail}`, { cause: error });
  }
  console.log(`e2e: TaskPulse at ${baseUrl} (pid ${pid}, files in ${varDir})`);
}

function stackEnv(varDir: string, webPort: number, flowerPort: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TASKPULSE_VAR_DIR: varDir,
    WEB_PORT: String(webPort),
    FLOWER_URL: `http://127.0.0.1:${flowerPort}`,
    TASKPULSE_ADMIN_PASSWORD: ADMIN.password,
    // Deployments take about 2 s (45 s nominal / 20); a test wanting slowness passes
    // simulate.step_seconds with its deployment.
    TASKPULSE_SIMULATOR_SPEED: '20',
    TASKPULSE_WORKER_CONCURRENCY: '2',
    // Django's tasks framework on its database backend: `make run` adds `manage.py db_worker`.
    TASKPULSE_DJANGO_TASKS: 'true',
    DJANGO_SETTINGS_MODULE: 'config.settings.local',
    PYTHONUNBUFFERED: '1',
  };
  // A throwaway embedded Redis and SQLite database under varDir, whatever the shell says.
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  delete env.FLOWER_USER;
  delete env.FLOWER_PASSWORD;
  if (process.env.E2E_DATABASE_URL) env.DATABASE_URL = process.env.E2E_DATABASE_URL;
  return env;
}

type Health = { status?: string; workers?: number; failing?: string[] };

async function waitForHealth(baseUrl: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited()) throw new Error('`python -m stack run` exited before it was healthy');
    try {
      const response = await fetch(`${baseUrl}/api/health/`, { signal: AbortSignal.timeout(5000) });
      const health = (await response.json()) as Health;
      if (health.status === 'ok' && (health.workers ?? 0) >= 1) return;
      last = JSON.stringify(health);
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`the stack was not healthy within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last})`);
}

async function createUsers(python: string, env: NodeJS.ProcessEnv): Promise<void> {
  const script = [
    'from django.contrib.auth.models import User',
    `for name in ${JSON.stringify(Object.values(USERS))}:`,
    `    User.objects.filter(username=name).exists() or User.objects.create_user(name, password=${JSON.stringify(USER_PASSWORD)})`,
  ].join('\n');
  await promisify(execFile)(python, ['manage.py', 'shell', '-c', script], {
    cwd: BACKEND_DIR,
    env,
    timeout: 60_000,
  });
}
