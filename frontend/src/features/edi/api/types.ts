// features/edi/api/: the EDI endpoints, one module per call, and (here) the shapes and cache keys
// they share.

/**
 * The EDI API (backend/edi/payloads.py builds every answer; keep the two in step).
 * An import is seed 002's progress shape (`processed_items` counts every file done, failed
 * ones included) plus its files by outcome; its parent execution streams live on the socket.
 */

/** Seed 002's words for an import's state. */
export type ImportStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

export type ImportProgress = {
  job_id: string;
  status: ImportStatus;
  task_type: string;
  total_items: number;
  /** Files done, failed ones included. */
  processed_items: number;
  failed_items: number;
  progress_percentage: number;
  current_message: string;
  started_at: string | null;
  completed_at: string | null;
  /** Seconds. */
  duration: number | null;
};

export type Import = ImportProgress & {
  id: number;
  /** Null once retention deleted the execution, long after the import ended. */
  execution_id: number | null;
  /** The execution's status (PENDING ... SUCCESS), null without one. */
  state: string | null;
  is_active: boolean;
  user: { id: number; username: string };
  created_at: string;
  files_total: number;
  files_imported: number;
  files_duplicate: number;
  files_failed: number;
  files_pending: number;
  invoices_created: number;
};

export const FILE_STATUSES = ['imported', 'duplicate', 'failed', 'pending'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export type ImportFileResult = {
  id: number;
  name: string;
  size: number;
  sha256: string;
  /** One of FILE_STATUSES; kept a string so an unknown one still renders. */
  status: string;
  /** Why it failed, e.g. "Truncated: the file ends inside a segment (segment 41, PRI)". */
  error: string | null;
  /** 1-based number of the segment at fault, counted from the start of the file. */
  segment_position: number | null;
  segment_tag: string | null;
  note: string | null;
  directory: string | null;
  invoices_created: number;
  invoices_existing: number;
  execution_id: number | null;
  duplicate_of: { id: number; name: string; job_id: string } | null;
  processed_at: string | null;
};

export type ImportDetail = Import & { files: ImportFileResult[] };

export type Invoice = {
  id: number;
  number: string;
  document_type: string;
  supplier: { id: number; code: string; name: string };
  buyer: { code: string; name: string };
  issue_date: string | null;
  due_date: string | null;
  delivery_date: string | null;
  currency: string;
  /** Decimal strings ("1234.50"). */
  net_total: string;
  tax_total: string;
  gross_total: string;
  directory: string;
  line_count: number | null;
  job_id: string | null;
  source_file: { id: number; name: string } | null;
  created_at: string;
};

export type InvoiceLine = {
  number: number;
  item_code: string;
  supplier_item_code: string;
  description: string;
  quantity: string;
  unit: string;
  unit_price: string | null;
  net_amount: string;
  tax_rate: string | null;
};

export type InvoiceDetail = Invoice & { lines: InvoiceLine[] };

export type Supplier = { id: number; code: string; name: string; country?: string; invoice_count: number };

export const INVOICE_ORDERINGS = [
  '-issue_date',
  'issue_date',
  '-gross_total',
  'gross_total',
  'number',
  '-number',
  '-created_at',
  'created_at',
] as const;
export type InvoiceOrdering = (typeof INVOICE_ORDERINGS)[number];

/** Query-string filters of GET /api/edi/invoices/. */
export type InvoiceListParams = {
  page?: number;
  search?: string;
  supplier?: number;
  currency?: string;
  issued_after?: string;
  issued_before?: string;
  job_id?: string;
  ordering?: InvoiceOrdering;
};

export const ediKeys = {
  all: ['edi'] as const,
  info: () => ['edi', 'info'] as const,
  imports: () => ['edi', 'imports'] as const,
  importLists: () => ['edi', 'imports', 'list'] as const,
  importList: (page: number) => ['edi', 'imports', 'list', page] as const,
  importDetail: (jobId: string) => ['edi', 'imports', 'detail', jobId] as const,
  invoices: () => ['edi', 'invoices'] as const,
  invoiceList: (params: InvoiceListParams) => ['edi', 'invoices', 'list', params] as const,
  invoiceDetail: (id: number) => ['edi', 'invoices', 'detail', id] as const,
  suppliers: () => ['edi', 'suppliers'] as const,
};
