import { deploymentParams, expect, test, uniqueHostname, type Launched } from './support/fixtures';
import { USER_PASSWORD, USERS } from './support/stack';

test('a slow deployment is cancelled from the task list after a confirmation; its owner is notified', async ({
  page,
  login,
  api,
  snap,
}) => {
  await login(USERS.cancel, USER_PASSWORD);
  const bell = page.locator('.bell-button');
  await expect(bell).toHaveAccessibleName('Notifications, 0 unread');

  // 8 steps of 5 s: it is still running whatever the test does meanwhile. The deploy form
  // has no simulator options, so this one is launched through the API, as a script would.
  const hostname = uniqueHostname('slow');
  const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(hostname, { step_seconds: 5 }));
  const label = `Deploy ${hostname}`;

  // It joins the open task list by itself, running.
  const row = page.getByTestId(`execution-${launched.execution_id}`);
  await expect(row.getByRole('link', { name: label })).toBeVisible();
  await expect(row.getByText('Running', { exact: true })).toBeVisible();
  await expect(row.getByText(/^Step [12] of 8: /)).toBeVisible();
  await snap('tasks-running');

  const cancel = row.getByRole('button', { name: `Cancel ${label}` });
  await cancel.click();
  const dialog = page.getByRole('alertdialog', { name: `Cancel “${label}”?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Keep running' })).toBeFocused();
  await snap('cancel-confirm');

  // Keeping it running changes nothing.
  await dialog.getByRole('button', { name: 'Keep running' }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByText('Running', { exact: true })).toBeVisible();

  await cancel.click();
  await dialog.getByRole('button', { name: 'Cancel task' }).click();
  await expect(dialog).toBeHidden();
  const toasts = page.getByRole('region', { name: 'Notifications toasts' });
  await expect(row.getByText('Cancelled', { exact: true })).toBeVisible({ timeout: 15_000 });
  // A finished row has no Cancel button (issue 17).
  await expect(cancel).toHaveCount(0);

  // The "Cancelling..." toast is replaced by the outcome (the notification, live), not
  // joined by it; the bell counts it.
  await expect(toasts.getByText(`${label} was cancelled`)).toBeVisible();
  await expect(toasts.getByText(`Cancelling ${label}…`)).toHaveCount(0);
  await expect(toasts.getByRole('status')).toHaveCount(1);
  await expect(bell).toHaveAccessibleName('Notifications, 1 unread');
  await expect(bell.locator('.bell-count')).toHaveText('1');
  await snap('tasks-cancelled');

  await row.getByRole('link', { name: label }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${launched.execution_id}$`));
  await expect(page.getByRole('heading', { level: 1, name: label })).toContainText('Cancelled');
  await expect(page.getByRole('heading', { name: 'Cancelled', level: 2 })).toBeVisible();
  await expect(page.getByRole('button', { name: `Cancel ${label}` })).toHaveCount(0);
  await snap('task-detail-cancelled');

  const deployment = await api.get<{ status: string }>(`/api/deploy/deployments/${launched.history_id}/`);
  expect(deployment.status).toBe('cancelled');
});
