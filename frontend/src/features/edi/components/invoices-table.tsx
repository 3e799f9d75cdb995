import { Fragment, useId, useState } from 'react';

import { DataTable, type Column } from '@/components/ui/data-table';
import type { PaginationProps } from '@/components/ui/pagination';
import { QueryPanel } from '@/components/ui/query-panel';
import { TextFilter } from '@/components/ui/text-filter';
import { formatDateTime } from '@/lib/format';

import { INVOICES_PAGE_SIZE, useInvoices } from '../api/get-invoices';
import { useSuppliers } from '../api/get-suppliers';
import type { Invoice, InvoiceListParams, InvoiceOrdering } from '../api/types';
import { formatMoney } from '../format';

import { InvoiceLines } from './invoice-lines';

const ORDERINGS: { value: InvoiceOrdering; label: string }[] = [
  { value: '-issue_date', label: 'Newest issue date' },
  { value: 'issue_date', label: 'Oldest issue date' },
  { value: '-gross_total', label: 'Largest total' },
  { value: 'gross_total', label: 'Smallest total' },
  { value: 'number', label: 'Number' },
  { value: '-created_at', label: 'Last imported' },
];

type Filters = { search: string; supplier: string; currency: string; ordering: InvoiceOrdering; onlyJob: boolean };

/** The invoices imported so far: search (number, supplier, buyer), filters, and each one's lines. */
export function InvoicesTable({ jobId }: { jobId: string | null }) {
  const headingId = useId();
  const ids = { supplier: useId(), ordering: useId(), onlyJob: useId() };
  const [filters, setFilters] = useState<Filters>({
    search: '',
    supplier: '',
    currency: '',
    ordering: '-issue_date',
    onlyJob: false,
  });
  const [page, setPage] = useState(1);
  const change = (next: Partial<Filters>) => {
    setFilters((current) => ({ ...current, ...next }));
    setPage(1);
  };
  const suppliers = useSuppliers();

  const params: InvoiceListParams = {
    page,
    ordering: filters.ordering,
    ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    ...(filters.supplier ? { supplier: Number(filters.supplier) } : {}),
    ...(filters.currency ? { currency: filters.currency } : {}),
    ...(filters.onlyJob && jobId ? { job_id: jobId } : {}),
  };
  const invoices = useInvoices(params);

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Invoices</h2>
      <form className="filters" role="search" aria-label="Search invoices" onSubmit={(event) => event.preventDefault()}>
        <TextFilter
          label="Search"
          type="search"
          placeholder="Invoice number, supplier or buyer"
          grow
          value={filters.search}
          onCommit={(value) => change({ search: value })}
        />
        <div className="field">
          <label htmlFor={ids.supplier}>Supplier</label>
          <select id={ids.supplier} value={filters.supplier} onChange={(event) => change({ supplier: event.target.value })}>
            <option value="">Any supplier</option>
            {suppliers.data?.results.map((supplier) => (
              <option key={supplier.id} value={String(supplier.id)}>
                {supplier.name} ({supplier.invoice_count})
              </option>
            ))}
          </select>
        </div>
        <TextFilter
          label="Currency"
          type="text"
          className="edi-currency-input"
          placeholder="EUR"
          maxLength={3}
          autoComplete="off"
          spellCheck={false}
          normalize={(text) => text.toUpperCase().replace(/[^A-Z]/g, '')}
          value={filters.currency}
          onCommit={(value) => {
            // The API takes a three-letter code (ISO 4217); anything else waits for more typing.
            if (value === '' || /^[A-Z]{3}$/.test(value)) change({ currency: value });
          }}
        />
        <div className="field">
          <label htmlFor={ids.ordering}>Order by</label>
          <select
            id={ids.ordering}
            value={filters.ordering}
            onChange={(event) => change({ ordering: event.target.value as InvoiceOrdering })}
          >
            {ORDERINGS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        {jobId && (
          <label className="switch edi-switch" htmlFor={ids.onlyJob}>
            <input
              id={ids.onlyJob}
              type="checkbox"
              checked={filters.onlyJob}
              onChange={(event) => change({ onlyJob: event.target.checked })}
            />
            Only the import shown above
          </label>
        )}
      </form>
      <QueryPanel query={invoices} loading="Loading invoices…" error="Could not load the invoices">
        {(data) => (
          <>
            <p className="muted small" role="status" aria-live="polite">
              {data.count === 1 ? '1 invoice' : `${data.count} invoices`}
              {params.search ? ` matching “${params.search}”` : ''}
            </p>
            {data.results.length > 0 && (
              <InvoiceRows
                invoices={data.results}
                pagination={{
                  page,
                  pageSize: INVOICES_PAGE_SIZE,
                  count: data.count,
                  onPageChange: setPage,
                  label: 'Invoice pages',
                }}
              />
            )}
          </>
        )}
      </QueryPanel>
    </section>
  );
}

const INVOICE_COLUMNS: Column[] = [
  'Number',
  'Supplier',
  'Issued',
  { label: 'Net', className: 'edi-amount' },
  { label: 'Tax', className: 'edi-amount' },
  { label: 'Gross', className: 'edi-amount' },
  'File',
  { label: 'Lines', hidden: true },
];

function InvoiceRows({ invoices, pagination }: { invoices: Invoice[]; pagination: PaginationProps }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <DataTable caption="Invoices" className="edi-invoices" columns={INVOICE_COLUMNS} pagination={pagination}>
      {invoices.map((invoice) => (
        <Fragment key={invoice.id}>
          <tr>
            <th scope="row" data-label="Number">
              {invoice.number}
            </th>
            <td data-label="Supplier">
              {invoice.supplier.name}
              <span className="muted small edi-file-meta">{invoice.supplier.code}</span>
            </td>
            <td data-label="Issued">{invoice.issue_date ? formatDate(invoice.issue_date) : '—'}</td>
            <td data-label="Net" className="edi-amount">
              {formatMoney(invoice.net_total, invoice.currency)}
            </td>
            <td data-label="Tax" className="edi-amount">
              {formatMoney(invoice.tax_total, invoice.currency)}
            </td>
            <td data-label="Gross" className="edi-amount">
              <strong>{formatMoney(invoice.gross_total, invoice.currency)}</strong>
            </td>
            <td data-label="File">
              <span className="edi-file-name">{invoice.source_file?.name ?? '—'}</span>
            </td>
            <td data-label="Lines">
              <button
                type="button"
                className="button button-small"
                aria-expanded={open === invoice.id}
                aria-controls={`invoice-lines-${invoice.id}`}
                aria-label={`${open === invoice.id ? 'Hide' : 'Show'} the lines of invoice ${invoice.number}`}
                onClick={() => setOpen((current) => (current === invoice.id ? null : invoice.id))}
              >
                {open === invoice.id ? 'Hide lines' : `Lines${invoice.line_count !== null ? ` (${invoice.line_count})` : ''}`}
              </button>
            </td>
          </tr>
          {open === invoice.id && (
            <tr className="edi-lines-row">
              <td colSpan={8} id={`invoice-lines-${invoice.id}`}>
                <InvoiceLines invoiceId={invoice.id} currency={invoice.currency} />
              </td>
            </tr>
          )}
        </Fragment>
      ))}
    </DataTable>
  );
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function formatDate(iso: string): string {
  const date = new Date(`${iso}T00:00:00`);
  return Number.isNaN(date.getTime()) ? formatDateTime(iso) : dateFormat.format(date);
}
