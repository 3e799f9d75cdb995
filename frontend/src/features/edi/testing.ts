/** Builders of the EDI API's answers for the tests of this feature. */
import { buildExecution } from '@/testing/factories';
import type { Execution } from '@/types/api';

import type { EdiInfo } from './api/get-edi-info';
import type { ImportDetail, ImportFileResult, Invoice } from './api/types';

export const JOB_ID = '6f1c2b3a-1111-4222-8333-444455556666';
export const OTHER_JOB_ID = '0a0b0c0d-aaaa-4bbb-8ccc-dddddddddddd';

export function buildInfo(overrides: Partial<EdiInfo> = {}): EdiInfo {
  return {
    max_files: 100,
    max_file_bytes: 5 * 1024 * 1024,
    extensions: ['.edi', '.edifact', '.edf', '.inv', '.txt', '.dat'],
    lock_scope: 'user',
    message_types: { INVOIC: ['D.96A', 'D.01B'] },
    running_job_id: null,
    ...overrides,
  };
}

let nextFileId = 1;

export function buildFile(overrides: Partial<ImportFileResult> = {}): ImportFileResult {
  nextFileId += 1;
  return {
    id: nextFileId,
    name: `invoic_${nextFileId}.edi`,
    size: 2048,
    sha256: 'ab'.repeat(32),
    status: 'imported',
    error: null,
    segment_position: null,
    segment_tag: null,
    note: null,
    directory: 'D.96A',
    invoices_created: 1,
    invoices_existing: 0,
    execution_id: null,
    duplicate_of: null,
    processed_at: '2025-01-16T10:30:05Z',
    ...overrides,
  };
}

export function buildImport(overrides: Partial<ImportDetail> = {}): ImportDetail {
  const files = overrides.files ?? [];
  const count = (status: string) => files.filter((file) => file.status === status).length;
  const total = overrides.total_items ?? files.length;
  const done = total - count('pending');
  return {
    job_id: JOB_ID,
    status: count('pending') > 0 ? 'in_progress' : 'completed',
    task_type: 'edi_import',
    total_items: total,
    processed_items: done,
    failed_items: count('failed'),
    progress_percentage: total ? Math.floor((100 * done) / total) : 0,
    current_message: '',
    started_at: '2025-01-16T10:30:01Z',
    completed_at: null,
    duration: null,
    id: 7,
    execution_id: 42,
    state: 'PROGRESS',
    is_active: true,
    user: { id: 3, username: 'ana' },
    created_at: '2025-01-16T10:30:00Z',
    files_total: total,
    files_imported: count('imported'),
    files_duplicate: count('duplicate'),
    files_failed: count('failed'),
    files_pending: count('pending'),
    invoices_created: files.reduce((sum, file) => sum + file.invoices_created, 0),
    files,
    ...overrides,
  };
}

export function buildImportExecution(overrides: Partial<Execution> = {}): Execution {
  return buildExecution({
    id: 42,
    name: 'edi.import_files',
    module: 'edi',
    title: 'EDI import',
    status: 'PROGRESS',
    progress: 0,
    current_step: 0,
    total_steps: 0,
    message: 'Importing 3 files',
    total_items: 3,
    processed_items: 0,
    failed_items: 0,
    seq: 5,
    duration: null,
    eta_seconds: null,
    ...overrides,
  });
}

export function buildInvoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    id: 1,
    number: 'INV-1-00001',
    document_type: '380',
    supplier: { id: 1, code: '4012345000016', name: 'Nordlicht Optik GmbH' },
    buyer: { code: '5412345000013', name: 'TaskPulse Retail SA' },
    issue_date: '2025-01-10',
    due_date: '2025-02-09',
    delivery_date: null,
    currency: 'EUR',
    net_total: '100.00',
    tax_total: '19.00',
    gross_total: '119.00',
    directory: 'D.96A',
    line_count: 2,
    job_id: JOB_ID,
    source_file: { id: 1, name: 'invoic_1_0001.edi' },
    created_at: '2025-01-16T10:30:05Z',
    ...overrides,
  };
}

/** A File of `size` bytes named `name`. */
export function ediFile(name: string, size = 1200): File {
  return new File(['x'.repeat(size)], name, { type: 'application/octet-stream', lastModified: 1_700_000_000_000 });
}
