import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { buildPage } from '@/testing/factories';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { fetchCalls, mockFetch, type MockRoutes } from '@/testing/mock-fetch';
import { createTestLiveClient, createTestQueryClient, renderRoutes } from '@/testing/render';
import type { Execution } from '@/types/api';

import type { EdiInfo } from '../api/get-edi-info';
import type { ImportDetail } from '../api/types';
import {
  buildFile,
  buildImport,
  buildImportExecution,
  buildInfo,
  buildInvoice,
  ediFile,
  JOB_ID,
  OTHER_JOB_ID,
} from '../testing';

import { EdiPage } from './edi-page';

const INFO = 'GET /api/edi/info/';
const IMPORTS = 'GET /api/edi/imports/?page_size=10';
const INVOICES = 'GET /api/edi/invoices/?ordering=-issue_date&page_size=20';
const SUPPLIERS = 'GET /api/edi/suppliers/?page_size=200';
const POST = 'POST /api/edi/imports/';
const DETAIL = `GET /api/edi/imports/${JOB_ID}/`;
const EXECUTION = 'GET /api/tasks/executions/42/';

type Options = { info?: Partial<EdiInfo>; live?: boolean; initialEntries?: string[] };

function renderEdi(routes: MockRoutes = {}, { info = {}, live = false, initialEntries = ['/edi'] }: Options = {}) {
  const fetchMock = mockFetch({
    [INFO]: { body: buildInfo(info) },
    [IMPORTS]: { body: buildPage([]) },
    [INVOICES]: { body: buildPage([]) },
    [SUPPLIERS]: { body: buildPage([]) },
    ...routes,
  });
  const queryClient = createTestQueryClient();
  const client = live ? createTestLiveClient(queryClient) : undefined;
  const view = renderRoutes([{ path: '/edi', element: <EdiPage /> }], {
    queryClient,
    initialEntries,
    ...(client ? { live: client } : {}),
  });
  return { ...view, fetchMock };
}

/** The files of the POST made through fetch. */
function postedFiles(fetchMock: ReturnType<typeof mockFetch>): string[] {
  const call = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST');
  const body = call?.[1]?.body;
  if (!(body instanceof FormData)) throw new Error('no multipart POST was made');
  return body.getAll('files').map((file) => (file as File).name);
}

function dropZone() {
  return screen.getByRole('group', { name: /Drop EDI invoice files here/ });
}

function drop(files: File[]) {
  fireEvent.drop(dropZone(), { dataTransfer: { files, types: ['Files'] } });
}

async function openSocket() {
  await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
  act(() => FakeWebSocket.latest().open());
}

function sendStatus(execution: Execution) {
  act(() =>
    FakeWebSocket.latest().receive({ type: 'task.status', execution_id: execution.id, seq: execution.seq, execution }),
  );
}

function sendProgress(seq: number, processed: number, failed: number, message = '') {
  act(() =>
    FakeWebSocket.latest().receive({
      type: 'task.progress',
      execution_id: 42,
      seq,
      status: 'PROGRESS',
      progress: 0,
      current_step: 0,
      total_steps: 0,
      message,
      total_items: 3,
      processed_items: processed,
      failed_items: failed,
      eta_seconds: null,
    }),
  );
}

function gauge() {
  return screen.getByRole('region', { name: 'Import progress' });
}

beforeEach(() => {
  FakeWebSocket.reset();
});

describe('EdiPage: choosing files', () => {
  it('adds dropped files and picked files (the keyboard way) to one list', async () => {
    const { user } = renderEdi();
    expect(await screen.findByText(/Up to 100 files, at most 5 MB each/)).toBeInTheDocument();

    drop([ediFile('a.edi'), ediFile('b.EDI')]);
    const list = screen.getByRole('list', { name: 'Selected files' });
    expect(within(list).getAllByRole('listitem').map((item) => item.firstChild?.textContent)).toEqual(['a.edi', 'b.EDI']);

    // The picker opens from a button reached with Tab; the files come through the input.
    await user.tab();
    expect(screen.getByRole('button', { name: 'Choose files…' })).toHaveFocus();
    await user.upload(screen.getByLabelText('EDI invoice files'), [ediFile('c.inv'), ediFile('a.edi')]);

    expect(within(list).getAllByRole('listitem')).toHaveLength(3);
    expect(screen.getByText('1 file already in the list was skipped.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Import 3 files' })).toBeEnabled();

    await user.click(screen.getByRole('button', { name: 'Remove b.EDI' }));
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Clear all' }));
    expect(screen.queryByRole('list', { name: 'Selected files' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Import files' })).toBeDisabled();
  });

  it('leaves out files of the wrong type or too large, and refuses too many, before any upload', async () => {
    const { user, fetchMock } = renderEdi({}, { info: { max_files: 2, max_file_bytes: 1000 } });
    await screen.findByText(/Up to 2 files, at most 1000 bytes each/);

    drop([ediFile('ok.edi', 10), ediFile('photo.png', 10), ediFile('huge.edi', 5000)]);

    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('2 files were not added:');
    expect(alert).toHaveTextContent('photo.png: Wrong type: expected an EDIFACT file (.edi, .edifact, .edf, .inv, .txt, .dat).');
    expect(alert).toHaveTextContent('huge.edi: Too large: 4.9 KB; at most 1000 bytes.');
    expect(within(screen.getByRole('list', { name: 'Selected files' })).getAllByRole('listitem')).toHaveLength(1);

    drop([ediFile('two.edi', 10), ediFile('three.edi', 10)]);
    expect(screen.getByRole('alert')).toHaveTextContent('Too many files: 3 selected; at most 2 per import. Remove 1 file.');
    const submit = screen.getByRole('button', { name: 'Import 3 files' });
    expect(submit).toBeDisabled();
    await user.click(submit);
    expect(fetchCalls(fetchMock).filter((call) => call.startsWith('POST'))).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Remove three.edi' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Import 2 files' })).toBeEnabled();
  });
});

describe('EdiPage: uploading', () => {
  it('shows the per-file errors of a 400 beside their files, and the others', async () => {
    const { user, fetchMock } = renderEdi({
      [POST]: {
        status: 400,
        body: {
          detail: 'files: a.edi: too large (6,000,000 bytes; at most 5,242,880)',
          errors: {
            files: [
              'a.edi: too large (6,000,000 bytes; at most 5,242,880)',
              'Too many files: 101; at most 100.',
            ],
          },
        },
      },
    });
    await screen.findByText(/Up to 100 files/);
    drop([ediFile('a.edi'), ediFile('b.edi')]);
    await user.click(screen.getByRole('button', { name: 'Import 2 files' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The server refused the upload; nothing was imported.');
    expect(alert).toHaveTextContent('1 file is not accepted (marked above): remove it and import again.');
    expect(within(alert).getByText('Too many files: 101; at most 100.')).toBeInTheDocument();
    const row = screen.getByText('a.edi').closest('li');
    expect(row).toHaveTextContent('Too large (6,000,000 bytes; at most 5,242,880)');
    expect(screen.getByText('b.edi').closest('li')).not.toHaveClass('edi-selected-invalid');
    expect(postedFiles(fetchMock)).toEqual(['a.edi', 'b.edi']);
    // The files stay to be fixed.
    expect(screen.getByRole('button', { name: 'Import 2 files' })).toBeEnabled();
  });

  it('shows why a 413 refused the whole upload', async () => {
    const tooLarge = 'Too large an upload: 60,000,000 bytes in all; at most 52,428,800 per request.';
    const { user } = renderEdi({ [POST]: { status: 413, body: { detail: `files: ${tooLarge}`, errors: { files: [tooLarge] } } } });
    await screen.findByText(/Up to 100 files/);
    drop([ediFile('a.edi')]);
    await user.click(screen.getByRole('button', { name: 'Import 1 file' }));

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(tooLarge)).toBeInTheDocument();
    expect(alert).not.toHaveTextContent(`files: ${tooLarge}`);
  });

  it('shows the running import on a 409', async () => {
    const running = buildImport({
      job_id: OTHER_JOB_ID,
      execution_id: null,
      total_items: 4,
      files: [buildFile({ status: 'imported' }), buildFile({ status: 'pending' }), buildFile({ status: 'pending' }), buildFile({ status: 'pending' })],
    });
    renderEdi({
      [POST]: {
        status: 409,
        body: { detail: 'An import is already running; wait for it to finish.', job_id: OTHER_JOB_ID, execution_id: null },
      },
      [`GET /api/edi/imports/${OTHER_JOB_ID}/`]: { body: running },
    });
    await screen.findByText(/Up to 100 files/);
    drop([ediFile('a.edi')]);
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 file' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('An import is already running; wait for it to finish. Import 0a0b0c0d is running; its progress is shown below.');
    expect(await screen.findByRole('heading', { name: 'Import 0a0b0c0d' })).toBeInTheDocument();
    await waitFor(() => expect(gauge()).toHaveTextContent('1 of 4 files processed'));
    expect(screen.getByText('a.edi')).toBeInTheDocument(); // kept for when it is free
  });
});

describe('EdiPage: the live gauge', () => {
  it('counts files processed of total live, shows failures only when there are some, then the final message', async () => {
    const [one, two, three] = [buildFile({ name: 'one.edi', status: 'pending', invoices_created: 0 }), buildFile({ name: 'two.edi', status: 'pending', invoices_created: 0 }), buildFile({ name: 'three.edi', status: 'pending', invoices_created: 0 })] as const;
    let detail: ImportDetail = buildImport({ files: [one, two, three] });
    const { user, fetchMock } = renderEdi(
      {
        [POST]: { status: 202, body: { success: true, job_id: JOB_ID, execution_id: 42, files: 3, message: 'Import of 3 files started' } },
        [DETAIL]: () => ({ body: detail }),
        [EXECUTION]: { body: buildImportExecution({ seq: 5 }) },
      },
      { live: true },
    );
    await openSocket();
    await screen.findByText(/Up to 100 files/);
    drop([ediFile('one.edi'), ediFile('two.edi'), ediFile('three.edi')]);
    await user.click(screen.getByRole('button', { name: 'Import 3 files' }));

    expect(await screen.findByRole('region', { name: 'Import progress' })).toHaveTextContent('0 of 3 files processed');
    expect(postedFiles(fetchMock)).toEqual(['one.edi', 'two.edi', 'three.edi']);
    expect(screen.queryByRole('list', { name: 'Selected files' })).not.toBeInTheDocument();
    expect(within(gauge()).queryByText(/^\d+ failed$/)).not.toBeInTheDocument();
    expect(gauge()).toHaveTextContent('Importing 3 files');
    expect(within(gauge()).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');

    // One file imported: the per-file list is read again.
    detail = buildImport({ files: [{ ...one, status: 'imported', invoices_created: 2 }, two, three] });
    sendProgress(6, 1, 0, 'one.edi: 2 invoices imported');
    await waitFor(() => expect(gauge()).toHaveTextContent('1 of 3 files processed'));
    expect(gauge()).toHaveTextContent('one.edi: 2 invoices imported');
    expect(within(gauge()).queryByText(/^\d+ failed$/)).not.toBeInTheDocument();
    expect(within(gauge()).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '33');
    const files = screen.getByRole('region', { name: 'Files (3)' });
    await waitFor(() => expect(within(files).getByText('one.edi').closest('tr')).toHaveTextContent('Imported'));

    // A bad file: counted as processed, and as failed.
    const failedTwo = {
      ...two,
      status: 'failed',
      error: 'Truncated: the file ends inside a segment (segment 41, PRI)',
      segment_position: 41,
      segment_tag: 'PRI',
    };
    detail = buildImport({ files: [{ ...one, status: 'imported', invoices_created: 2 }, failedTwo, three] });
    sendProgress(7, 1, 1, 'two.edi: failed: Truncated');
    await waitFor(() => expect(gauge()).toHaveTextContent('2 of 3 files processed'));
    expect(within(gauge()).getByText('1 failed')).toBeInTheDocument();

    // The end: the import's own message, the duration, every file's outcome.
    detail = buildImport({
      files: [{ ...one, status: 'imported', invoices_created: 2 }, failedTwo, { ...three, status: 'duplicate', invoices_created: 0, note: 'Same content as one.edi' }],
      current_message: 'Import finished: 3 files, 1 failed',
      duration: 12.4,
      state: 'SUCCESS',
      is_active: false,
    });
    sendStatus(
      buildImportExecution({
        seq: 8,
        status: 'SUCCESS',
        is_active: false,
        processed_items: 2,
        failed_items: 1,
        progress: 100,
        message: 'Import finished: 3 files, 1 failed',
        duration: 12.4,
        finished_at: '2025-01-16T10:30:13Z',
      }),
    );
    await waitFor(() => expect(within(gauge()).getByRole('status')).toHaveTextContent('Import finished: 3 files, 1 failed'));
    expect(gauge()).toHaveTextContent('3 of 3 files processed');
    expect(within(gauge()).getByText('1 failed')).toBeInTheDocument();
    expect(gauge()).toHaveTextContent('Duration 12s');
    expect(within(gauge()).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');

    await waitFor(() => expect(within(files).getByText('three.edi').closest('tr')).toHaveTextContent('Duplicate'));
    const failedRow = within(files).getByText('two.edi').closest('tr');
    expect(failedRow).toHaveTextContent('Failed');
    expect(failedRow).toHaveTextContent('Segment 41 (PRI)');
    expect(failedRow).toHaveTextContent('Truncated: the file ends inside a segment (segment 41, PRI)');
    expect(within(files).getByText('three.edi').closest('tr')).toHaveTextContent('Same content as one.edi');

    // Only the failed ones, on demand.
    await user.selectOptions(within(files).getByLabelText('Show'), 'failed');
    expect(within(files).getAllByRole('row')).toHaveLength(2); // header + one file
    // The end also refreshes the history and the invoices.
    await waitFor(() => expect(fetchCalls(fetchMock).filter((call) => call === INVOICES)).toHaveLength(2));
  });

  it('reads the per-file list again at most once a second while the counters move', async () => {
    const { fetchMock } = renderEdi(
      {
        [DETAIL]: { body: buildImport({ total_items: 3, files: [buildFile({ status: 'pending' }), buildFile({ status: 'pending' }), buildFile({ status: 'pending' })] }) },
        [EXECUTION]: { body: buildImportExecution({ seq: 5 }) },
      },
      { live: true, initialEntries: [`/edi?job=${JOB_ID}`] },
    );
    await openSocket();
    await waitFor(() => expect(gauge()).toHaveTextContent('Importing 3 files'));
    const detailReads = () => fetchCalls(fetchMock).filter((call) => call === DETAIL).length;
    expect(detailReads()).toBe(1);

    sendProgress(6, 1, 0);
    await waitFor(() => expect(detailReads()).toBe(2)); // at once
    sendProgress(7, 1, 1);
    sendProgress(8, 2, 1);
    await waitFor(() => expect(gauge()).toHaveTextContent('3 of 3 files processed'));
    expect(detailReads()).toBe(2);
    await waitFor(() => expect(detailReads()).toBe(3), { timeout: 2000 }); // once, at the end of the second
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(detailReads()).toBe(3);
  });

  it('does not show a failed count for an import without failures', async () => {
    const done = buildImport({
      files: [buildFile(), buildFile()],
      current_message: 'Import finished: 2 files, 0 failed',
      status: 'completed',
      duration: 3,
      state: 'SUCCESS',
      is_active: false,
    });
    renderEdi(
      {
        [DETAIL]: { body: done },
        [EXECUTION]: {
          body: buildImportExecution({ status: 'SUCCESS', is_active: false, total_items: 2, processed_items: 2, message: 'Import finished: 2 files, 0 failed', duration: 3 }),
        },
      },
      { initialEntries: [`/edi?job=${JOB_ID}`] },
    );
    expect(await screen.findByText('Import finished: 2 files, 0 failed')).toBeInTheDocument();
    expect(gauge()).toHaveTextContent('2 of 2 files processed');
    expect(within(gauge()).queryByText(/^\d+ failed$/)).not.toBeInTheDocument();
    expect(gauge()).toHaveTextContent('Duration 3s');
  });

  it('follows the import that runs when the page opens', async () => {
    const { router } = renderEdi(
      {
        [DETAIL]: { body: buildImport({ total_items: 3, files: [buildFile(), buildFile({ status: 'pending' }), buildFile({ status: 'pending' })] }) },
        [EXECUTION]: { body: buildImportExecution({ processed_items: 1 }) },
      },
      { info: { running_job_id: JOB_ID } },
    );
    await waitFor(() => expect(gauge()).toHaveTextContent('1 of 3 files processed'));
    expect(router.state.location.search).toBe(`?job=${JOB_ID}`);
  });
});

describe('EdiPage: history and invoices', () => {
  it('lists the imports and opens one', async () => {
    const finished = buildImport({
      files: [buildFile(), buildFile({ status: 'failed', error: 'Empty file' })],
      status: 'completed',
      state: 'SUCCESS',
      is_active: false,
      duration: 65,
      current_message: 'Import finished: 2 files, 1 failed',
    });
    const { user } = renderEdi({
      [IMPORTS]: { body: buildPage([finished]) },
      [DETAIL]: { body: finished },
      [EXECUTION]: { body: buildImportExecution({ status: 'SUCCESS', is_active: false, total_items: 2, processed_items: 1, failed_items: 1, message: 'Import finished: 2 files, 1 failed', duration: 65 }) },
    });
    const history = await screen.findByRole('region', { name: 'Import history' });
    const row = (await within(history).findAllByRole('row'))[1];
    expect(row).toHaveTextContent('ana');
    expect(row).toHaveTextContent('Success');
    expect(row).toHaveTextContent('2 of 2');
    expect(row).toHaveTextContent('1m 05s');
    await user.click(within(history).getByRole('link', { name: /Open the import of/ }));

    expect(await screen.findByText('Import finished: 2 files, 1 failed')).toBeInTheDocument();
    expect(gauge()).toHaveTextContent('1 failed');
    expect(within(history).getAllByRole('row')[1]).toHaveAttribute('aria-current', 'true');
  });

  it('narrows the invoices to the import shown', async () => {
    const { user, fetchMock } = renderEdi(
      {
        [DETAIL]: { body: buildImport({ files: [buildFile()], state: 'SUCCESS', is_active: false, status: 'completed' }) },
        [EXECUTION]: { body: buildImportExecution({ status: 'SUCCESS', is_active: false }) },
        [`GET /api/edi/invoices/?ordering=-issue_date&job_id=${JOB_ID}&page_size=20`]: { body: buildPage([buildInvoice()]) },
      },
      { initialEntries: [`/edi?job=${JOB_ID}`] },
    );
    const invoices = await screen.findByRole('region', { name: 'Invoices' });
    await within(invoices).findByText('0 invoices');
    await user.click(within(invoices).getByRole('checkbox', { name: 'Only the import shown above' }));
    expect(await within(invoices).findByText('1 invoice')).toBeInTheDocument();
    expect(fetchCalls(fetchMock)).toContain(`GET /api/edi/invoices/?ordering=-issue_date&job_id=${JOB_ID}&page_size=20`);
  });

  it('searches the invoices as the user types and shows an invoice lines', async () => {
    const invoice = buildInvoice({ id: 9, number: 'INV-7-00042', gross_total: '1234.50' });
    const { user } = renderEdi({
      [INVOICES]: { body: buildPage([buildInvoice(), invoice]) },
      'GET /api/edi/invoices/?ordering=-issue_date&search=00042&page_size=20': { body: buildPage([invoice]) },
      'GET /api/edi/invoices/9/': {
        body: {
          ...invoice,
          lines: [
            { number: 1, item_code: '4000862141404', supplier_item_code: 'SV-150-AR', description: 'Brillenglas', quantity: '2', unit: 'PCE', unit_price: '24.90', net_amount: '49.80', tax_rate: '19.00' },
          ],
        },
      },
    });
    const invoices = await screen.findByRole('region', { name: 'Invoices' });
    expect(await within(invoices).findByText('2 invoices')).toBeInTheDocument();

    await user.type(within(invoices).getByRole('searchbox', { name: 'Search' }), '00042');
    expect(await within(invoices).findByText('1 invoice matching “00042”')).toBeInTheDocument();
    const rows = within(invoices).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent('INV-7-00042');
    expect(rows[1]).toHaveTextContent('Nordlicht Optik GmbH');
    expect(rows[1]).toHaveTextContent(/1,234\.50/);

    await user.click(within(invoices).getByRole('button', { name: 'Show the lines of invoice INV-7-00042' }));
    expect(await within(invoices).findByText('Brillenglas')).toBeInTheDocument();
    expect(within(invoices).getByRole('table', { name: 'Lines of invoice INV-7-00042' })).toHaveTextContent('19 %');
  });
});
