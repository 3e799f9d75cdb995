import { Alert } from '@/components/ui/alert';
import { Loading } from '@/components/ui/loading';

import { useInvoice } from '../api/get-invoice';
import { formatMoney } from '../format';

/** The lines of one invoice (GET invoices/{id}/), read when first shown. */
export function InvoiceLines({ invoiceId, currency }: { invoiceId: number; currency: string }) {
  const invoice = useInvoice(invoiceId);
  if (invoice.isPending) return <Loading label="Loading the lines…" />;
  if (invoice.isError) return <Alert>Could not load the lines: {invoice.error.message}</Alert>;
  const { data } = invoice;
  return (
    <div className="edi-lines">
      <p className="muted small">
        Buyer: {data.buyer.name || data.buyer.code || '—'} · Due: {data.due_date ?? '—'} · Directory: {data.directory || '—'}
      </p>
      <table className="data-table">
        <caption className="visually-hidden">Lines of invoice {data.number}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Item</th>
            <th scope="col">Description</th>
            <th scope="col" className="edi-amount">
              Quantity
            </th>
            <th scope="col" className="edi-amount">
              Unit price
            </th>
            <th scope="col" className="edi-amount">
              VAT
            </th>
            <th scope="col" className="edi-amount">
              Net
            </th>
          </tr>
        </thead>
        <tbody>
          {data.lines.map((line) => (
            <tr key={line.number}>
              <td>{line.number}</td>
              <td>
                {line.item_code}
                {line.supplier_item_code && <span className="muted small edi-file-meta">{line.supplier_item_code}</span>}
              </td>
              <td>{line.description}</td>
              <td className="edi-amount">
                {line.quantity} {line.unit}
              </td>
              <td className="edi-amount">{line.unit_price !== null ? formatMoney(line.unit_price, currency) : '—'}</td>
              <td className="edi-amount">{line.tax_rate !== null ? `${Number(line.tax_rate)} %` : '—'}</td>
              <td className="edi-amount">{formatMoney(line.net_amount, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
