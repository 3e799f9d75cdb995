import type { ReactNode } from 'react';

import { Pagination, type PaginationProps } from './pagination';

/** A column heading; `hidden` ones are read by screen readers only (an actions column). */
export type Column = string | { label: string; className?: string; hidden?: boolean };

type DataTableProps = {
  columns: Column[];
  /** The body rows. */
  children: ReactNode;
  /** Names the table for screen readers. */
  caption?: string;
  /** Classes added to the table's. */
  className?: string;
  /** Classes added to the scrolling wrapper's. */
  wrapClassName?: string;
  /** The pager under the table, for a paginated list. */
  pagination?: PaginationProps;
};

/**
 * A data table that scrolls sideways when too wide and becomes one card per row on a phone
 * (see .responsive-table), with its pager when the list has pages.
 */
export function DataTable({ columns, children, caption, className, wrapClassName, pagination }: DataTableProps) {
  return (
    <>
      <div className={withClass('table-wrap', wrapClassName)}>
        <table className={withClass('data-table responsive-table', className)}>
          {caption && <caption className="visually-hidden">{caption}</caption>}
          <thead>
            <tr>{columns.map(renderHeading)}</tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
      {pagination && <Pagination {...pagination} />}
    </>
  );
}

function renderHeading(column: Column) {
  const { label, className, hidden = false } = typeof column === 'string' ? { label: column } : column;
  return (
    <th scope="col" key={label} className={className}>
      {hidden ? <span className="visually-hidden">{label}</span> : label}
    </th>
  );
}

function withClass(base: string, extra: string | undefined): string {
  return extra ? `${base} ${extra}` : base;
}
