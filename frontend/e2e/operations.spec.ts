/**
 * The operations pages against the real stack (staff): a paused queue holds a deployment
 * PENDING, shown waiting with the age of its oldest message, until it is resumed and the
 * worker runs it; a failed deployment is grouped by cause on the Failures page with a sample;
 * the Metrics page counts finished work per task, moves while work runs (no reload), keeps
 * its range in the URL and shows a tooltip on hover.
 */
import type { Locator, Page } from '@playwright/test';

import { deploymentParams, expect, test, uniqueHostname, type Launched } from './support/fixtures';
import { ADMIN } from './support/stack';

type ExecutionState = { status: string };
const QUEUE = 'celery'; // where deployments go (the default queue)

function queueRow(page: Page, name: string): Locator {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

test('a paused queue holds a deployment until it is resumed', async ({ page, login, api, snap }) => {
  await login(ADMIN.username, ADMIN.password);
  await page.goto('/queues');
  const row = queueRow(page, QUEUE);
  await expect(row.getByText('consuming', { exact: true })).toBeVisible();
  await expect(row.getByRole('cell').nth(2)).toContainText('worker1@'); // its consumer

  await row.getByRole('button', { name: `Pause ${QUEUE}` }).click();
  await page.getByRole('alertdialog', { name: `Pause ${QUEUE}?` }).getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(row.getByText('paused', { exact: true })).toBeVisible();
  try {
    const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(uniqueHostname('paused')));
    // The page polls: the message waits in the queue and its age shows.
    await expect(row.getByRole('cell').nth(0)).toHaveText(/^[1-9]\d*$/, { timeout: 20_000 });
    await expect(row.getByRole('cell').nth(1)).not.toHaveText('—', { timeout: 20_000 });
    await expect(row.getByRole('cell').nth(3)).toContainText(/PENDING [1-9]/); // counted under its queue
    await page.waitForTimeout(3_000); // long enough for an idle worker to have taken it
    const held = await api.get<ExecutionState>(`/api/tasks/executions/${launched.execution_id}/`);
    expect(held.status).toBe('PENDING');
    await snap('ops-queues-paused');

    await row.getByRole('button', { name: `Resume ${QUEUE}` }).click();
    await page.getByRole('alertdialog', { name: `Resume ${QUEUE}?` }).getByRole('button', { name: 'Resume', exact: true }).click();
    await expect(row.getByText('consuming', { exact: true })).toBeVisible();
    await expect
      .poll(async () => (await api.get<ExecutionState>(`/api/tasks/executions/${launched.execution_id}/`)).status, { timeout: 90_000 })
      .toBe('SUCCESS');
    await expect(row.getByRole('cell').nth(0)).toHaveText('0', { timeout: 20_000 });
  } finally {
    // Never leave the stack's queue paused for the next spec, whatever failed above.
    const queues = await api.get<{ queues: { name: string; paused: boolean }[] }>('/api/tasks/queues/');
    if (queues.queues.find((queue) => queue.name === QUEUE)?.paused) await api.post(`/api/tasks/queues/${QUEUE}/resume/`);
  }
});

test('a failed deployment shows on the Failures page, grouped by cause, with a sample', async ({ page, login, api, snap }) => {
  await login(ADMIN.username, ADMIN.password);
  const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(uniqueHostname('fails'), { fail_at_step: 5 }));
  await expect
    .poll(async () => (await api.get<ExecutionState>(`/api/tasks/executions/${launched.execution_id}/`)).status, { timeout: 90_000 })
    .toBe('FAILURE');

  await page.goto('/failures?range=1h');
  await expect(page.getByRole('button', { name: '1h' })).toHaveAttribute('aria-pressed', 'true');
  const group = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'deploy.deploy_vm' }) }).first();
  await expect(group).toBeVisible({ timeout: 20_000 });
  await expect(group.getByRole('cell').nth(0)).toContainText('simulated failure'); // the cause, normalized
  await expect(group.getByRole('cell').nth(1)).toHaveText(/^[1-9]\d*$/);
  await snap('ops-failures');

  // The group leads to the list filtered to it, and its sample to an execution's page.
  await group.getByRole('link', { name: /^#\d+$/ }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByText(/Failed at step 5 of 8/).first()).toBeVisible();
});

test('the Metrics page counts finished work, moves while it runs, and keeps its range in the URL', async ({ page, login, api, snap }) => {
  await login(ADMIN.username, ADMIN.password);
  await page.goto('/task-metrics?range=1h&module=deploy');
  const chart = page.getByRole('figure', { name: 'Finished executions per bucket' });
  await expect(chart).toBeVisible();
  const perTask = page.getByRole('table', { name: 'Per task in the range' });
  const succeededCell = queueRow(page, 'deploy.deploy_vm').getByRole('cell').nth(0);
  // Earlier specs ran deployments in this stack; read what this hour counts so far (maybe none).
  await expect(page.locator('.loading')).toHaveCount(0, { timeout: 15_000 });
  const before = (await perTask.count()) > 0 && (await succeededCell.count()) > 0 ? Number(await succeededCell.textContent()) : 0;

  const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(uniqueHostname('metrics')));
  await expect
    .poll(async () => (await api.get<ExecutionState>(`/api/tasks/executions/${launched.execution_id}/`)).status, { timeout: 90_000 })
    .toBe('SUCCESS');
  // No reload: the 1 h view polls, and the finished deployment is counted in its minute.
  await expect.poll(async () => Number((await succeededCell.textContent()) ?? '0'), { timeout: 30_000 }).toBeGreaterThan(before);

  // A tooltip on hover over the bars.
  const bars = chart.locator('.recharts-bar-rectangle path');
  await expect(bars.last()).toBeVisible();
  await bars.last().hover();
  await expect(chart.locator('.recharts-tooltip-wrapper')).toContainText('Succeeded');
  await snap('ops-metrics');

  await page.getByRole('button', { name: '24h' }).click();
  await expect(page).toHaveURL(/range=24h/);
  await expect(page).toHaveURL(/module=deploy/);
  await expect(page.getByRole('button', { name: '24h' })).toHaveAttribute('aria-pressed', 'true');
  await expect(chart).toBeVisible();
});
