import {
  connectionBadge,
  expect,
  serverLogSeqs,
  shownLogSeqs,
  test,
  uniqueHostname,
  type Launched,
} from './support/fixtures';
import { USER_PASSWORD, USERS } from './support/stack';

/** One state of the deploy page's checklist: how many steps are checked, which one runs. */
type ChecklistState = { completed: number; running: number };

declare global {
  interface Window {
    __e2eChecklist?: ChecklistState[];
  }
}

test('a deployment launched on /deploy checks its 8 steps live, then opens its page', async ({ page, login, api, snap }) => {
  await login(USERS.deploy, USER_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deploy' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Deploy a VM' })).toBeVisible();
  await expect(page.getByText('Provider: simulator')).toBeVisible();
  const form = page.getByRole('form', { name: 'Deploy a VM' });

  // The form checks itself before anything is sent.
  await form.getByRole('button', { name: 'Deploy VM' }).click();
  await expect(form.getByRole('textbox', { name: 'Hostname', exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('textbox', { name: 'Hostname', exact: true })).toBeFocused();
  await snap('deploy-form-invalid');

  const hostname = uniqueHostname('web');
  await form.getByRole('textbox', { name: 'Hostname', exact: true }).fill(hostname);
  await form.getByRole('textbox', { name: 'vCenter host', exact: true }).fill('vcenter.example.com');
  await form.getByRole('textbox', { name: 'Datacenter', exact: true }).fill('DC1');
  await form.getByRole('textbox', { name: 'Template', exact: true }).fill('ubuntu-24.04');
  await form.getByRole('textbox', { name: 'Network', exact: true }).fill('VM Network');
  await expect(form.locator('[aria-invalid="true"]')).toHaveCount(0);

  // Every state the checklist goes through, as rendered (the simulator takes about 2 s).
  await page.evaluate(() => {
    const seen: ChecklistState[] = [];
    window.__e2eChecklist = seen;
    const record = () => {
      const items = [...document.querySelectorAll('.deploy-progress ol.step-list > li')];
      if (items.length === 0) return;
      const completed = items.filter((item) => item.classList.contains('step-completed')).length;
      const running = items.findIndex((item) => item.classList.contains('step-running')) + 1;
      const last = seen.at(-1);
      if (!last || last.completed !== completed || last.running !== running) seen.push({ completed, running });
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
  });
  const accepted = page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/deploy/deployments/',
  );
  await form.getByRole('button', { name: 'Deploy VM' }).click();
  const launched = (await (await accepted).json()) as Launched;
  expect(launched.execution_id).toBeGreaterThan(0);

  const progress = page.getByRole('region', { name: `Deploying ${hostname}` });
  await expect(progress).toBeVisible();
  const steps = progress.getByRole('list', { name: 'Deployment steps' }).getByRole('listitem');
  await expect(steps).toHaveCount(8);
  await expect(steps.first()).toContainText('Connect to vCenter');
  await expect(steps.last()).toContainText('Verify');

  await expect(progress.getByText('Deployment completed!')).toBeVisible({ timeout: 20_000 });
  const succeededAt = Date.now();
  await expect(steps.filter({ hasText: '(completed)' })).toHaveCount(8);
  await expect(progress.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(connectionBadge(page)).toHaveText('Live');
  await snap('deploy-success');

  // It was followed live: the steps were checked one after another, never unchecked.
  const states = await page.evaluate(() => window.__e2eChecklist ?? []);
  const counts = states.map((state) => state.completed);
  expect(counts.at(-1), JSON.stringify(states)).toBe(8);
  expect(counts, 'steps are never unchecked').toEqual([...counts].sort((a, b) => a - b));
  expect(states.some((state) => state.running > 0), 'a step was seen running').toBe(true);
  expect(new Set(counts.filter((count) => count > 0 && count < 8)).size, 'steps seen checked one by one').toBeGreaterThanOrEqual(2);

  // The owner is told, with a toast and the bell.
  await expect(page.getByRole('region', { name: 'Notifications toasts' }).getByText(`Deploy ${hostname} finished`)).toBeVisible();
  await expect(page.locator('.bell-button')).toHaveAccessibleName('Notifications, 1 unread');

  // Seed 000: the deployment's page opens 2 s after the success, not at once (the test saw
  // the success some time after the page did: only a clear pause is checked).
  await page.waitForURL(/\/deploy\/\d+$/, { timeout: 10_000 });
  expect(Date.now() - succeededAt).toBeGreaterThanOrEqual(1000);
  await expect(page.getByRole('heading', { level: 1, name: hostname })).toContainText('success');
  await expect(page.getByRole('list', { name: 'Deployment steps' }).getByRole('listitem').filter({ hasText: '(completed)' })).toHaveCount(8);
  await expect(page.getByRole('log')).toContainText('Step 8/8');
  const serverSeqs = await serverLogSeqs(api, launched.execution_id);
  await expect.poll(() => shownLogSeqs(page), { message: 'every log line, once' }).toEqual(serverSeqs);
  await snap('deployment-detail');

  // The bell's dropdown lists it; marking all read clears the count.
  await page.locator('.bell-button').click();
  const panel = page.getByRole('dialog', { name: 'Notifications' });
  await expect(panel.getByText(`Deploy ${hostname} finished`)).toBeVisible();
  await snap('notifications');
  await panel.getByRole('button', { name: 'Mark all read' }).click();
  await expect(page.locator('.bell-button')).toHaveAccessibleName('Notifications, 0 unread');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();

  // The history on /deploy and the task list have it too.
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Deploy' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Deploy a VM' })).toBeVisible();
  const history = page.getByRole('region', { name: 'Deployment history' });
  await expect(history.getByRole('link', { name: hostname, exact: true })).toBeVisible();
  await snap('deploy-history');
  // In-app navigation: the task list already holds the deployment the /deploy panel followed.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks', exact: true }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `Deploy ${hostname}` }) });
  await expect(row.getByText('Success', { exact: true })).toBeVisible();
  await snap('tasks');
  // Down to a phone's width, nothing needs a sideways scroll.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(row.getByText('Success', { exact: true })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap('tasks-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  await row.getByRole('link', { name: `Deploy ${hostname}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Deploy ${hostname}` })).toContainText('Success');
  await expect(page.getByRole('heading', { name: 'Result' })).toBeVisible();
  await snap('task-detail');
});

