import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildExecution, buildPage } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch, type MockRoutes } from '@/testing/mock-fetch';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';
import type { Execution } from '@/types/api';

import { DeployPage } from './deploy-page';

const HISTORY = 'GET /api/deploy/deployments/?page_size=10';

function renderDeploy(routes: MockRoutes, { live = false } = {}) {
  const fetchMock = mockFetch({
    [HISTORY]: { body: buildPage([]) },
    'GET /api/deploy/info/': { body: { provider: 'simulator', total_steps: 8, steps: [] } },
    ...routes,
  });
  const queryClient = createTestQueryClient();
  const client = live ? createTestLiveClient(queryClient) : undefined;
  const view = renderRoutes(
    [
      { path: '/deploy', element: <DeployPage /> },
      { path: '/deploy/:historyId', element: <p>Deployment page</p> },
    ],
    { queryClient, initialEntries: ['/deploy'], ...(client ? { live: client } : {}) },
  );
  return { ...view, fetchMock };
}

async function fillForm(user: ReturnType<typeof renderDeploy>['user'], values: Record<string, string> = {}) {
  const all = {
    Hostname: 'web-01',
    'vCenter host': 'vcenter.example.com',
    Datacenter: 'DC1',
    Template: 'ubuntu-24.04',
    Network: 'VM Network',
    ...values,
  };
  for (const [label, value] of Object.entries(all)) {
    const input = screen.getByLabelText(new RegExp(`^${label}`));
    await user.clear(input);
    if (value) await user.type(input, value);
  }
}

function deployExecution(overrides: Partial<Execution>): Execution {
  return buildExecution({ id: 42, module: 'deploy', title: 'Deploy web-01', total_steps: 8, ...overrides });
}

beforeEach(() => {
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('DeployForm', () => {
  it('checks host name, sizes and IP before posting', async () => {
    const { user, fetchMock } = renderDeploy({});
    await fillForm(user, { Hostname: '-bad_host', Network: '' });
    const cpu = screen.getByLabelText(/^CPU/);
    await user.clear(cpu);
    await user.type(cpu, '65');
    await user.type(screen.getByLabelText(/^IP address/), '10.0.0.300');
    await user.click(screen.getByRole('button', { name: 'Deploy VM' }));

    expect(screen.getByLabelText(/^Hostname/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/^Hostname/)).toHaveAccessibleDescription(
      'RFC 1123, e.g. web-01.example.com Letters, digits and hyphens only (RFC 1123), no hyphen at either end.',
    );
    expect(screen.getByLabelText(/^CPU/)).toHaveAccessibleDescription('1 to 64 vCPUs A whole number from 1 to 64.');
    expect(screen.getByLabelText(/^Network/)).toHaveAccessibleDescription('This field is required.');
    expect(screen.getByLabelText(/^IP address/)).toHaveAccessibleDescription(
      'Leave empty for DHCP. Not a valid IP address (leave empty for DHCP).',
    );
    expect(fetchCalls(fetchMock).filter((call) => call.startsWith('POST'))).toEqual([]);
  });

  it('posts typed values (empty IP means DHCP) and shows the API errors per field', async () => {
    const { user, fetchMock } = renderDeploy({
      'POST /api/deploy/deployments/': {
        status: 400,
        body: { detail: 'Invalid input.', errors: { hostname: ['A VM named web-01 already exists.'] } },
      },
    });
    await fillForm(user);
    await user.click(screen.getByRole('button', { name: 'Deploy VM' }));

    expect(await screen.findByText('A VM named web-01 already exists.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Hostname/)).toHaveAttribute('aria-invalid', 'true');
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST');
    expect(JSON.parse(post?.[1]?.body as string)).toEqual({
      hostname: 'web-01',
      vcenter_host: 'vcenter.example.com',
      datacenter: 'DC1',
      template: 'ubuntu-24.04',
      cpu: 2,
      memory_gb: 4,
      disk_gb: 40,
      network: 'VM Network',
      ip_address: '',
    });
  });

  it('says so when the rate limit is hit', async () => {
    const { user } = renderDeploy({
      'POST /api/deploy/deployments/': { status: 429, body: { detail: 'Request was throttled. Expected available in 30 seconds.' } },
    });
    await fillForm(user);
    await user.click(screen.getByRole('button', { name: 'Deploy VM' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Request was throttled.');
  });
});

describe('DeployPage progress', () => {
  const accepted = { success: true, task_id: 'celery-42', history_id: 325, execution_id: 42 };

  it('follows the 8 steps live and opens the deployment 2 s after success', async () => {
    const { user, router } = renderDeploy(
      {
        'POST /api/deploy/deployments/': { status: 202, body: accepted },
        'GET /api/tasks/executions/42/': {
          body: deployExecution({ status: 'PROGRESS', current_step: 3, progress: 37.5, message: 'Configuring hardware...' }),
        },
      },
      { live: true },
    );
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.latest().open());
    await fillForm(user);
    await user.click(screen.getByRole('button', { name: 'Deploy VM' }));

    const panel = await screen.findByRole('region', { name: 'Deploying web-01' });
    const steps = await within(panel).findByRole('list', { name: 'Deployment steps' });
    const items = within(steps).getAllByRole('listitem');
    expect(items).toHaveLength(8);
    expect(items[0]).toHaveTextContent('Connect to vCenter(completed)');
    expect(items[2]).toHaveTextContent('Configure hardware');
    expect(items[2]).toHaveTextContent('(in progress)');
    expect(items[2]).toHaveAttribute('aria-current', 'step');
    expect(items[7]).toHaveTextContent('Verify(pending)');
    expect(FakeWebSocket.latest().sentActions()).toContainEqual({ action: 'subscribe', execution_id: 42 });

    vi.useFakeTimers({ shouldAdvanceTime: true });
    const done = deployExecution({ status: 'SUCCESS', current_step: 8, progress: 100, is_active: false, seq: 30 });
    act(() => FakeWebSocket.latest().receive({ type: 'task.status', execution_id: 42, seq: 30, execution: done }));

    expect(await within(panel).findByText('Deployment completed!')).toBeInTheDocument();
    expect(within(steps).getAllByText('(completed)')).toHaveLength(8);
    await act(() => vi.advanceTimersByTimeAsync(1900));
    expect(router.state.location.pathname).toBe('/deploy');
    await act(() => vi.advanceTimersByTimeAsync(200));
    expect(router.state.location.pathname).toBe('/deploy/325');
  });

  it('shows the failure message and stays on the page', async () => {
    const failed = deployExecution({
      status: 'FAILURE',
      current_step: 5,
      progress: 50,
      is_active: false,
      error: 'Step 5 (power on) failed: host unreachable',
    });
    const { user, router } = renderDeploy({
      'POST /api/deploy/deployments/': { status: 202, body: accepted },
      'GET /api/tasks/executions/42/': { body: failed },
    });
    await fillForm(user);
    await user.click(screen.getByRole('button', { name: 'Deploy VM' }));

    const panel = await screen.findByRole('region', { name: 'Deploying web-01' });
    const alert = await within(panel).findByText(/Deployment failed:/);
    expect(alert.closest('[role="alert"]')).toHaveTextContent('Step 5 (power on) failed: host unreachable');
    expect(within(panel).getByText('Power on').closest('li')).toHaveTextContent('(failed)');
    expect(router.state.location.pathname).toBe('/deploy');
  });
});
