import { connectionBadge, expect, test } from './support/fixtures';
import { USER_PASSWORD, USERS } from './support/stack';

test('a user logs in through the login page and cannot see the workers', async ({ page, snap }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await snap('login');

  // (A wrong password is not tried here: the API's 400 for it makes Chromium log a console
  // error, "Failed to load resource", which this suite does not tolerate.)
  await page.getByLabel('Username').fill(USERS.basic);
  await page.getByLabel('Password').fill(USER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Tasks' })).toBeVisible();
  await expect(page.locator('.username')).toHaveText(USERS.basic);
  await expect(connectionBadge(page)).toHaveText('Live');
  await expect(page.getByRole('button', { name: 'Notifications, 0 unread' })).toBeVisible();

  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Tasks', 'Templates', 'Deploy', 'Stats']) await expect(nav.getByRole('link', { name })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Workers' })).toHaveCount(0);
  await expect(page.getByText('No tasks yet')).toBeVisible();
  await snap('tasks-empty');

  // Typing the address does not help: the page refuses, and so does the API behind it.
  await page.goto('/workers');
  await expect(page.getByRole('heading', { level: 1, name: 'Workers are for administrators' })).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
  await snap('workers-refused');
  expect((await page.request.get('/api/tasks/workers/')).status()).toBe(403);

  // A session survives a reload; logging out ends it.
  await page.reload();
  await expect(page.locator('.username')).toHaveText(USERS.basic);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await page.goto('/stats');
  await expect(page).toHaveURL(/\/login\?next=%2Fstats$/);
});
