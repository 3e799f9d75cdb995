import { expect, test } from './support/fixtures';
import { ADMIN } from './support/stack';

test('staff see the workers, listed from Flower (or its fallback)', async ({ page, login, snap }) => {
  await login(ADMIN.username, ADMIN.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Workers' })).toBeVisible();
  // Staff may look at every user's tasks.
  await expect(page.getByRole('switch', { name: 'All users' })).toBeVisible();
  await snap('tasks-staff');

  await nav.getByRole('link', { name: 'Workers' }).click();
  await expect(page).toHaveURL(/\/workers$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Workers' })).toBeVisible();
  // The stack's one worker, "worker1@<host>", online.
  const worker = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^worker1@/ }) });
  await expect(worker).toHaveCount(1);
  await expect(worker.getByText('online', { exact: true })).toBeVisible();
  await expect(worker.getByRole('button', { name: /^Shut down worker1@/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /Open Flower dashboard/ })).toHaveAttribute('href', /\/flower\/?$/);
  await snap('workers');

  await nav.getByRole('link', { name: 'Stats' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Statistics' })).toBeVisible();
  await expect(page.locator('.loading')).toHaveCount(0, { timeout: 15_000 });
  await snap('stats');

  await nav.getByRole('link', { name: 'Templates' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Templates' })).toBeVisible();
  await expect(page.getByText('Deploy VM').first()).toBeVisible();
  await snap('templates');
});

test('the API docs render offline: Swagger UI and Redoc from our own static files', async ({ page, login }) => {
  // The page fixture fails the test on any request to another origin.
  await login(ADMIN.username, ADMIN.password);
  await page.goto('/api/docs/');
  await expect(page.getByRole('heading', { name: /TaskPulse API/ })).toBeVisible();
  await expect(page.getByText('/api/tasks/executions/', { exact: true }).first()).toBeVisible();

  await page.goto('/api/redoc/');
  // Redoc lays out the whole schema before its first heading: on a busy machine that takes
  // longer than the default 10 s (what is checked is that it renders offline, not how fast).
  await expect(page.getByRole('heading', { name: /TaskPulse API/ }).first()).toBeVisible({ timeout: 30_000 });
});

test('staff open the Flower dashboard and the Django admin: nothing breaks the Content-Security-Policy', async ({ page, login }) => {
  // The page fixture fails the test on any console error, which a CSP violation is.
  await login(ADMIN.username, ADMIN.password);
  const policy = (await page.request.get('/flower/')).headers()['content-security-policy'];
  expect(policy).toContain("frame-ancestors 'none'");

  // Flower's workers page: its inline script and its XHR polling, through the staff proxy.
  await page.goto('/flower/');
  const worker = page.getByRole('link', { name: /^Worker worker1@/ });
  await expect(worker).toBeVisible();
  await expect(page.locator('#workers-online')).toHaveText('1');
  await worker.click();
  await expect(page.getByRole('heading', { level: 1, name: /^worker1@/ })).toBeVisible();
  await page.goto('/flower/tasks');
  await expect(page.locator('#tasks-table')).toBeVisible();
  await expect(page.locator('#tasks-table_info')).toBeVisible();

  await page.goto('/admin/');
  await expect(page.getByRole('heading', { name: 'Site administration' })).toBeVisible();
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Select user to change' })).toBeVisible();
  await page.getByRole('link', { name: ADMIN.username, exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Change user' })).toBeVisible();
});
