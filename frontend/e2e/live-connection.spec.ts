import type { WebSocketRoute } from '@playwright/test';

import {
  connectionBadge,
  deploymentParams,
  expect,
  serverLogSeqs,
  shownLogSeqs,
  test,
  uniqueHostname,
  type Launched,
} from './support/fixtures';
import { USER_PASSWORD, USERS } from './support/stack';

test('with the WebSocket cut the page polls and progress keeps moving; then it is Live again', async ({
  page,
  login,
  api,
  snap,
}) => {
  // Every /ws/tasks/ connection of the page goes through here, to the real server, until the
  // "network" is cut: then open ones drop (the page sees 1006, as when a network goes away)
  // and new ones are refused, until it is back.
  const open: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  let down = false;
  let refused = 0;
  await page.routeWebSocket(/\/ws\/tasks\/$/, async (ws) => {
    if (down) {
      refused += 1;
      ws.onClose(() => undefined);
      await ws.close({ code: 1006 });
      return;
    }
    open.push({ page: ws, server: ws.connectToServer() });
  });
  const cutNetwork = async () => {
    down = true;
    for (const { page: toPage, server } of open.splice(0)) {
      toPage.onClose(() => undefined);
      server.onClose(() => undefined);
      await server.close();
      await toPage.close({ code: 1006 });
    }
  };

  await login(USERS.live, USER_PASSWORD);
  const hostname = uniqueHostname('watched');
  const label = `Deploy ${hostname}`;
  // 8 steps of 3 s: long enough to go offline and come back while it runs.
  const launched = await api.post<Launched>('/api/deploy/deployments/', deploymentParams(hostname, { step_seconds: 3 }));
  await page.getByTestId(`execution-${launched.execution_id}`).getByRole('link', { name: label }).click();
  await expect(page.getByRole('heading', { level: 1, name: label })).toContainText('Running');

  const badge = connectionBadge(page);
  const bar = page.getByRole('region', { name: 'Progress' }).getByRole('progressbar');
  const percent = async () => Number(await bar.getAttribute('aria-valuenow'));
  const detailReads: number[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === `/api/tasks/executions/${launched.execution_id}/`) detailReads.push(Date.now());
  });
  await expect(badge).toHaveText('Live');
  await expect.poll(percent).toBeGreaterThan(0);
  await snap('task-detail-live');

  const cutAt = Date.now();
  await cutNetwork();
  await expect(badge).toHaveText('Reconnecting...');
  await expect(badge).toHaveText('Offline: polling', { timeout: 10_000 });
  const offlineAt = await percent();
  // Progress still moves, read over REST every 2 s.
  await expect.poll(percent, { timeout: 10_000 }).toBeGreaterThan(offlineAt);
  expect(detailReads.filter((at) => at >= cutAt).length, 'polled over REST').toBeGreaterThan(0);
  await expect(badge).toHaveText('Offline: polling');
  expect(refused, 'reconnect attempts while down').toBeGreaterThan(0);
  await snap('task-detail-polling');

  // The network is back: the next reconnect attempt (backoff 1, 2, 4, 8 s ...) makes it.
  down = false;
  await expect(badge).toHaveText('Live', { timeout: 30_000 });
  const liveAgainAt = await percent();
  // Live updates again, and no more polling.
  await expect.poll(percent, { timeout: 10_000 }).toBeGreaterThan(liveAgainAt);
  const liveSince = Date.now();
  await page.waitForTimeout(4500);
  expect(detailReads.filter((at) => at >= liveSince).length, 'no polling once live').toBeLessThanOrEqual(1);
  await snap('task-detail-back-live');

  // It ends live, all 8 steps checked, and its log has every line once: what the socket
  // missed was replayed (since_seq) or polled, never doubled.
  await expect(page.getByRole('heading', { level: 1, name: label })).toContainText('Success', { timeout: 30_000 });
  await expect(page.getByRole('list', { name: 'Steps' }).getByRole('listitem').filter({ hasText: '(completed)' })).toHaveCount(8);
  const serverSeqs = await serverLogSeqs(api, launched.execution_id);
  expect(serverSeqs.length).toBeGreaterThan(8);
  await expect.poll(() => shownLogSeqs(page)).toEqual(serverSeqs);
  await snap('task-detail-after-reconnect');
});
