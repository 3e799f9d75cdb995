import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { buildExecution } from '@/testing/factories';
import { fetchCalls, mockFetch } from '@/testing/mock-fetch';
import { renderRoutes } from '@/testing/render';

import type { TaskTemplate } from '../api/get-templates';

import { TemplateLaunchForm } from './template-launch-form';

const template: TaskTemplate = {
  id: 7,
  name: 'Import invoices',
  module: 'edi',
  task_name: 'edi.import_invoices',
  description: 'Imports EDIFACT invoices.',
  default_params: { folder: '/in' },
  params_schema: {
    type: 'object',
    required: ['folder', 'batch_size'],
    properties: {
      folder: { type: 'string', title: 'Folder', pattern: '^/' },
      batch_size: { type: 'integer', minimum: 1, maximum: 500 },
      ratio: { type: 'number' },
      dry_run: { type: 'boolean' },
      format: { enum: ['INVOIC', 'ORDERS'] },
    },
  },
  enabled: true,
};

function renderForm(onLaunched = vi.fn()) {
  const view = renderRoutes([
    { path: '/', element: <TemplateLaunchForm template={template} onLaunched={onLaunched} /> },
  ]);
  return { ...view, onLaunched };
}

describe('TemplateLaunchForm', () => {
  it('builds the inputs from the schema, prefilled with the template defaults', () => {
    mockFetch({});
    renderForm();

    expect(screen.getByLabelText(/Folder/)).toHaveValue('/in');
    expect(screen.getByLabelText(/Batch size/)).toHaveAttribute('type', 'number');
    expect(screen.getByLabelText(/Batch size/)).toHaveAccessibleDescription('1 to 500.');
    expect(screen.getByRole('checkbox', { name: 'Dry run' })).not.toBeChecked();
    expect(within(screen.getByLabelText('Format')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      '—',
      'INVOIC',
      'ORDERS',
    ]);
  });

  it('checks the values before sending and says what is wrong per field', async () => {
    const fetchMock = mockFetch({});
    const { user } = renderForm();
    await user.clear(screen.getByLabelText(/Folder/));
    await user.type(screen.getByLabelText(/Folder/), 'relative');
    await user.type(screen.getByLabelText(/Batch size/), '900');
    await user.click(screen.getByRole('button', { name: 'Launch' }));

    expect(screen.getByLabelText(/Folder/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/Folder/)).toHaveAccessibleDescription('Must match the pattern ^/.');
    expect(screen.getByLabelText(/Batch size/)).toHaveAccessibleDescription('1 to 500. Must be at most 500.');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows the API errors of each param beside its field, others on top', async () => {
    const fetchMock = mockFetch({
      'POST /api/tasks/templates/7/launch/': {
        status: 400,
        body: {
          detail: 'params: invalid',
          errors: {
            params: {
              batch_size: ['250 is greater than the maximum of 200'],
              'options.mode': ["'x' is not one of ['a', 'b']"],
            },
          },
        },
      },
    });
    const { user, onLaunched } = renderForm();
    await user.type(screen.getByLabelText(/Batch size/), '250');
    await user.click(screen.getByRole('checkbox', { name: 'Dry run' }));
    await user.selectOptions(screen.getByLabelText('Format'), 'ORDERS');
    await user.click(screen.getByRole('button', { name: 'Launch' }));

    const batch = screen.getByLabelText(/Batch size/);
    expect(await screen.findByText('250 is greater than the maximum of 200')).toBeInTheDocument();
    expect(batch).toHaveAttribute('aria-invalid', 'true');
    expect(batch).toHaveAccessibleDescription('1 to 500. 250 is greater than the maximum of 200');
    expect(screen.getByRole('alert')).toHaveTextContent("options.mode: 'x' is not one of ['a', 'b']");
    expect(fetchMock.mock.calls[0]?.[1]?.body).toBe(
      JSON.stringify({ params: { folder: '/in', batch_size: 250, dry_run: true, format: 'ORDERS' } }),
    );
    expect(onLaunched).not.toHaveBeenCalled();
  });

  it('shows a refusal that is not about one field (disabled template)', async () => {
    mockFetch({
      'POST /api/tasks/templates/7/launch/': {
        status: 400,
        body: { detail: 'The template is disabled.', errors: { non_field_errors: ['The template is disabled.'] } },
      },
    });
    const { user } = renderForm();
    await user.type(screen.getByLabelText(/Batch size/), '10');
    await user.click(screen.getByRole('button', { name: 'Launch' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The template is disabled.');
  });

  it('reports the new execution once launched', async () => {
    const created = buildExecution({ id: 77, status: 'PENDING' });
    const fetchMock = mockFetch({ 'POST /api/tasks/templates/7/launch/': { status: 201, body: created } });
    const { user, onLaunched } = renderForm();
    await user.type(screen.getByLabelText(/Batch size/), '10');
    await user.click(screen.getByRole('button', { name: 'Launch' }));

    await vi.waitFor(() => expect(onLaunched).toHaveBeenCalledWith(created));
    expect(fetchCalls(fetchMock)).toEqual(['POST /api/tasks/templates/7/launch/']);
  });
});
