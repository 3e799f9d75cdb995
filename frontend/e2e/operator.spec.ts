/**
 * Issue 17: the task list and detail as an operator's tool, against the real stack. An EDI
 * import of 20 files is one row with its 20 files folded under it; 30 queued deployments
 * are cancelled at once by "select all matching", the bulk job followed live; a failed
 * deployment is retried from its page; on a phone the header is one row, the notifications
 * popover stays on screen, rows are short and no page scrolls sideways.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Page } from '@playwright/test';

import { deploymentParams, expect, test, uniqueHostname, type Launched } from './support/fixtures';
import { ADMIN, BACKEND_DIR, REPO_DIR, USER_PASSWORD, USERS } from './support/stack';

const FILES = 20;
const BAD_FILES = 2;

/** Writes FILES generated EDI invoices (BAD_FILES defective) into a fresh folder. */
function generateEdiFiles(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'taskpulse-e2e-ops-'));
  const python = process.env.E2E_PYTHON ?? path.join(REPO_DIR, '.venv', 'bin', 'python');
  const seed = 2000 + (Date.now() % 1_000_000);
  const script = `
import pathlib, sys
from edi.testdata import generate_batch
for f in generate_batch(${FILES}, invalid=${BAD_FILES}, seed=${seed}, defects=("truncated", "bad_totals")):
    (pathlib.Path(sys.argv[1]) / f.name).write_bytes(f.content)
`;
  execFileSync(python, ['-c', script, dir], { cwd: BACKEND_DIR, timeout: 60_000 });
  return dir;
}

async function csrfToken(page: Page): Promise<string> {
  return (await page.context().cookies()).find((cookie) => cookie.name === 'csrftoken')?.value ?? '';
}

/** Uploads every file of `dir` as one EDI import, as the /edi page does. */
async function importEdi(page: Page, dir: string): Promise<{ execution_id: number }> {
  const form = new FormData();
  for (const name of readdirSync(dir).sort()) form.append('files', new Blob([readFileSync(path.join(dir, name))]), name);
  const response = await page.request.post('/api/edi/imports/', { multipart: form, headers: { 'X-CSRFToken': await csrfToken(page) } });
  expect(response.status(), await response.text()).toBe(202);
  return (await response.json()) as { execution_id: number };
}

declare global {
  interface Window {
    __e2eToasts?: { most: number; titles: string[] };
  }
}

/** Notes every toast title shown from now on, and the most toasts on screen at once. */
async function recordToasts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { most: 0, titles: [] as string[] };
    window.__e2eToasts = seen;
    new MutationObserver(() => {
      const toasts = document.querySelectorAll('.toast');
      seen.most = Math.max(seen.most, toasts.length);
      for (const toast of toasts) {
        const title = toast.querySelector('.toast-title')?.textContent ?? '';
        if (title !== seen.titles.at(-1)) seen.titles.push(title);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

test.describe('desktop', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('an EDI import of 20 files is one row, its 20 files folded under it', async ({ page, login, snap }) => {
    const dir = generateEdiFiles();
    try {
      await login(USERS.operator, USER_PASSWORD);
      const launched = await importEdi(page, dir);
      await page.goto('/?module=edi');

      // One top-level row: the import, not its files.
      const rows = page.locator('tr.execution-row');
      const parent = page.getByTestId(`execution-${launched.execution_id}`);
      await expect(parent.getByText('Success', { exact: true })).toBeVisible({ timeout: 60_000 });
      await expect(rows).toHaveCount(1);
      await expect(parent).toContainText(`${FILES} files, ${BAD_FILES} failed`);
      await expect(page.getByRole('group', { name: 'Status' }).getByRole('button', { name: /^All/ })).toHaveText('All 1');

      await parent.getByRole('button', { name: `Show the ${FILES} files of EDI import of ${FILES} files` }).click();
      await expect(page.locator('tr.child-row')).toHaveCount(FILES);
      await expect(page.locator('tr.child-row').filter({ hasText: 'Failed' })).toHaveCount(BAD_FILES);
      await snap('ops-parent-children');

      // Its page lists them too, the failed ones on demand.
      await parent.getByRole('link', { name: `EDI import of ${FILES} files` }).click();
      const files = page.getByRole('region', { name: new RegExp(`^Files \\(${FILES}\\)`) });
      await expect(files.locator('tr.execution-row')).toHaveCount(FILES);
      await files.getByLabel('Show').selectOption('failed');
      await expect(files.locator('tr.execution-row')).toHaveCount(BAD_FILES);
      await expect(page.getByRole('list', { name: 'Steps' })).toContainText('Import the files');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('30 queued deployments are cancelled at once: "select all matching", a confirmation, the job live', async ({
    page,
    login,
    api,
    snap,
  }) => {
    await login(USERS.operator, USER_PASSWORD);
    // One deployment at a time per user: the first runs (slowly), the other 29 wait.
    const prefix = uniqueHostname('bulk');
    const ids: number[] = [];
    for (let n = 0; n < 30; n += 1) {
      const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(`${prefix}-${n}`, { step_seconds: 5 }));
      ids.push(launched.execution_id);
    }
    await page.goto(`/?status=active&module=deploy&search=${prefix}`);
    const list = page.getByRole('region', { name: 'My executions' });
    await expect(list.getByText('30 executions')).toBeVisible();
    await snap('ops-list-desktop');
    // Running work first: the one running deployment heads the list.
    await expect(page.locator('tr.execution-row').first()).toContainText('Running', { timeout: 20_000 });
    await expect(page.locator('tr.execution-row')).toHaveCount(25);

    await page.getByRole('checkbox', { name: 'Select every task on this page' }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await expect(bar).toContainText('25 selected');
    await bar.getByRole('button', { name: 'Select all 30 matching' }).click();
    await expect(bar).toContainText('All 30 matching selected');
    await recordToasts(page);
    await bar.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Cancel 30 executions?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel 30 executions' }).click();

    const job = page.getByRole('region', { name: 'Bulk action' });
    await expect(job.getByRole('heading', { name: 'Cancel 30 executions' })).toBeVisible();
    await snap('ops-bulk-progress');
    await expect(job.getByText('Success', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    await expect(job.getByText('Processed').locator('xpath=following-sibling::dd')).toHaveText('30');
    // Their 30 notifications came as one toast per burst, not thirty.
    await expect.poll(() => page.evaluate(() => window.__e2eToasts?.titles.some((title) => /^\d+ deployments cancelled/.test(title)))).toBe(true);
    const seen = await page.evaluate(() => window.__e2eToasts);
    expect(seen?.most, JSON.stringify(seen?.titles)).toBeLessThanOrEqual(3);

    // All of them end cancelled; the toasts of their notifications come as one per burst.
    await expect(page.getByText('No task matches these filters.')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { name: /^Cancelled/ }).click();
    await expect(list.getByText('30 executions')).toBeVisible();
    await snap('ops-bulk-done');
    for (const id of [ids[0], ids[29]]) {
      const execution = await api.get<{ status: string }>(`/api/tasks/executions/${id}/`);
      expect(execution.status).toBe('REVOKED');
    }
  });

  test('a failed deployment is retried from its page with the same parameters', async ({ page, login, api, snap }) => {
    await login(USERS.retry, USER_PASSWORD);
    const hostname = uniqueHostname('retry');
    const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(hostname, { fail_at_step: 5 }));
    await page.goto(`/tasks/${launched.execution_id}`);
    const heading = page.getByRole('heading', { level: 1, name: `Deploy ${hostname}` });
    await expect(heading).toContainText('Failed', { timeout: 60_000 });

    // The error once, in the outcome; the steps named, the failed one marked and timed.
    const error = page.getByRole('region', { name: 'Error' });
    await expect(error.getByRole('alert')).toContainText('Power on VM');
    await expect(error).toContainText('Failed at step 5 of 8: Power on VM');
    const progress = page.getByRole('region', { name: 'Progress' });
    await expect(progress).not.toContainText('simulated failure');
    const steps = page.getByRole('list', { name: 'Steps' });
    await expect(steps.getByRole('listitem')).toHaveCount(8);
    await expect(steps.getByRole('listitem').nth(4)).toContainText('Power on VM');
    await expect(steps.getByRole('listitem').nth(4)).toContainText('(failed)');
    await expect(steps.getByRole('listitem').nth(0)).toContainText(/\d+\.\ds/);
    await expect(page.getByText('Duration', { exact: true })).toHaveCount(1);
    await expect(page.getByRole('region', { name: 'Arguments' })).toContainText(`"hostname": "${hostname}"`);
    await snap('ops-failed-detail');

    await page.getByRole('button', { name: `Retry Deploy ${hostname}` }).click();
    await expect(page).not.toHaveURL(new RegExp(`/tasks/${launched.execution_id}$`));
    const retryId = Number(/\/tasks\/(\d+)$/.exec(page.url())?.[1]);
    expect(retryId).toBeGreaterThan(launched.execution_id);
    await expect(page.getByRole('heading', { level: 1, name: `Deploy ${hostname}` })).toBeVisible();
    await expect(page.getByText(`Retry of #${launched.execution_id}`)).toBeVisible();
    // The same parameters, so the same failure.
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Failed', { timeout: 60_000 });

    await page.getByRole('link', { name: `#${launched.execution_id}` }).click();
    await expect(page.getByText(`Retried as #${retryId}`)).toBeVisible();
  });
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('a phone: one header row, the popover on screen, short rows, no page scrolls sideways', async ({
    page,
    login,
    api,
    snap,
  }) => {
    await login(USERS.phone, USER_PASSWORD);
    const names = [uniqueHostname('phone'), uniqueHostname('phone')];
    const launched: Launched[] = [];
    for (const name of names) launched.push(await api.post<Launched>('/api/deploy/deployments/', deploymentParams(name)));
    const bell = page.locator('.bell-button');
    await expect(bell).toHaveAccessibleName('Notifications, 2 unread', { timeout: 60_000 });

    // The header is one row.
    const header = await page.locator('.app-header').boundingBox();
    const brand = await page.locator('.brand').boundingBox();
    const bellBox = await bell.boundingBox();
    expect(header && header.height).toBeLessThan(72);
    expect(Math.abs((brand?.y ?? 0) - (bellBox?.y ?? 100))).toBeLessThan(20);

    // Rows: one line each (title, status, bar), details on a tap.
    const row = page.getByTestId(`execution-${launched[0]?.execution_id}`);
    await expect(row.getByText('Success', { exact: true })).toBeVisible();
    for (const height of await page.locator('tr.execution-row').evaluateAll((rows) => rows.map((item) => item.getBoundingClientRect().height))) {
      expect(height).toBeLessThanOrEqual(100);
    }
    await expect(row.locator('td.col-created')).toBeHidden();
    await row.getByRole('button', { name: /^Details of / }).click();
    await expect(row.locator('td.col-created')).toBeVisible();
    await snap('ops-list-phone');

    // Everything matching is reachable from one tick (the page's checkbox hides with the headings).
    await row.getByRole('checkbox', { name: /^Select / }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await bar.getByRole('button', { name: /^Select all \d+ matching$/ }).click();
    await expect(bar).toContainText(/All \d+ matching selected/);
    const barBox = await bar.boundingBox();
    expect((barBox?.x ?? -1) >= 0 && (barBox?.x ?? 0) + (barBox?.width ?? 0) <= 390).toBe(true);
    await bar.getByRole('button', { name: 'Clear selection' }).click();
    await expect(bar).toBeHidden();

    // The notifications popover, inside the viewport.
    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await expect(panel.getByText(`Deploy ${names[0]} finished`)).toBeVisible();
    const box = await panel.boundingBox();
    expect(box).not.toBeNull();
    expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(844);
    await snap('ops-bell-phone');
    await page.keyboard.press('Escape');

    for (const url of ['/', '/templates', '/deploy', '/edi', '/stats', `/tasks/${launched[0]?.execution_id}`, `/deploy/${launched[0]?.history_id}`]) {
      await page.goto(url);
      await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
      await expect(page.locator('.loading')).toHaveCount(0, { timeout: 15_000 });
      const [scrollWidth, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scrollWidth, `${url} scrolls sideways`).toBeLessThanOrEqual(width);
    }
  });

  test('staff pages on a phone do not scroll sideways either', async ({ page, login }) => {
    await login(ADMIN.username, ADMIN.password);
    for (const url of ['/workers', '/?scope=all']) {
      await page.goto(url);
      await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
      await expect(page.locator('.loading')).toHaveCount(0, { timeout: 15_000 });
      const [scrollWidth, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scrollWidth, `${url} scrolls sideways`).toBeLessThanOrEqual(width);
    }
  });
});
