/**
 * One console for both kinds of background work: a task of Django's tasks framework, queued
 * in the database and run by the stack's `manage.py db_worker`, shows next to a Celery
 * deployment, live, with its kind, and the Kind filter tells them apart.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { deploymentParams, expect, test, uniqueHostname, type Launched } from './support/fixtures';
import { BACKEND_DIR, ENV, REPO_DIR, USER_PASSWORD, USERS } from './support/stack';

/** `manage.py django_tasks_demo` for `user`, against the stack's own database and Redis. */
function enqueueDjangoDemo(user: string): string {
  const python = process.env.E2E_PYTHON ?? path.join(REPO_DIR, '.venv', 'bin', 'python');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TASKPULSE_VAR_DIR: process.env[ENV.varDir],
    DJANGO_SETTINGS_MODULE: 'config.settings.local',
    TASKPULSE_DJANGO_TASKS: 'true',
  };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  if (process.env.E2E_DATABASE_URL) env.DATABASE_URL = process.env.E2E_DATABASE_URL;
  const args = ['manage.py', 'django_tasks_demo', '--user', user, '--steps', '6', '--step-seconds', '1.5'];
  return execFileSync(python, args, { cwd: BACKEND_DIR, env, encoding: 'utf8', timeout: 60_000 });
}

test('a django.tasks task runs beside a Celery one, live, and the Kind filter tells them apart', async ({
  page,
  login,
  api,
  snap,
}) => {
  await login(USERS.djangoTasks, USER_PASSWORD);
  const hostname = uniqueHostname('kinds');
  const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(hostname, { step_seconds: 1 }));
  expect(enqueueDjangoDemo(USERS.djangoTasks)).toMatch(/^enqueued \S+ on backend 'default'/);

  const celeryRow = page.getByTestId(`execution-${launched.execution_id}`);
  await expect(celeryRow.getByRole('link', { name: `Deploy ${hostname}` })).toBeVisible();
  await expect(celeryRow.locator('.badge-kind')).toHaveText('Celery');

  // The django.tasks one joins the list by itself and moves step by step, run by db_worker.
  const djangoRow = page.locator('tr.execution-row', { has: page.locator('.badge-kind-django') });
  await expect(djangoRow).toHaveCount(1);
  await expect(djangoRow.getByRole('link', { name: 'task_manager.django_demo.demo' })).toBeVisible();
  await expect(djangoRow.getByText(/^Step [2-5] of 6/)).toBeVisible({ timeout: 20_000 });
  await snap('tasks-both-kinds');

  await page.getByLabel('Kind', { exact: true }).selectOption('django');
  await expect(page).toHaveURL(/[?&]kind=django/);
  await expect(celeryRow).toHaveCount(0);
  await expect(djangoRow.getByText('Success', { exact: true })).toBeVisible({ timeout: 30_000 });

  await djangoRow.getByRole('link', { name: 'task_manager.django_demo.demo' }).click();
  const facts = page.getByRole('region', { name: 'Details' });
  await expect(facts.getByText('django.tasks', { exact: true })).toBeVisible();
  await expect(facts.getByText(/^db_worker@/)).toBeVisible();
  await snap('task-django-detail');
});
