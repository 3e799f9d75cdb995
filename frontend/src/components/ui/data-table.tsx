import type { ReactNode } from 'react';

import { Pagination, type PaginationProps } from './pagination';

/**
 * A column heading; `hidden` ones are read by screen readers only (an actions column).
 * `sortKey` makes it sortable (see DataTable's `sort`); `header` replaces the label's text
 * (a "select all" checkbox), the label still naming the column.
 */
export type Column =
  | string
  | {
      label: string;
      className?: string;
      hidden?: boolean;
      sortKey?: string;
      /** The first click sorts descending (dates, durations: newest or longest first). */
      descendingFirst?: boolean;
      header?: ReactNode;
    };

/** The list's `ordering` ("created_at", "-created_at" descending) and how to change it. */
export type TableSort = { ordering: string; onSort: (ordering: string) => void };

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
  /** Sortable columns: their headings become buttons, the sorted one marked. */
  sort?: TableSort;
};

/**
 * A data table that scrolls sideways when too wide and becomes one card per row on a phone
 * (see .responsive-table), with its pager when the list has pages.
 */
export function DataTable({ columns, children, caption, className, wrapClassName, pagination, sort }: DataTableProps) {
  return (
    <>
      <div className={withClass('table-wrap', wrapClassName)}>
        <table className={withClass('data-table responsive-table', className)}>
          {caption && <caption className="visually-hidden">{caption}</caption>}
          <thead>
            <tr>{columns.map((column) => renderHeading(column, sort))}</tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
      {pagination && <Pagination {...pagination} />}
    </>
  );
}

function renderHeading(column: Column, sort: TableSort | undefined) {
  const { label, className, hidden = false, sortKey, descendingFirst = false, header } =
    typeof column === 'string' ? { label: column } : column;
  if (sort && sortKey) {
    const direction = sort.ordering === sortKey ? 'ascending' : sort.ordering === `-${sortKey}` ? 'descending' : undefined;
    const next = nextOrdering(sortKey, direction, descendingFirst);
    return (
      <th scope="col" key={label} className={className} aria-sort={direction}>
        <button type="button" className="sort-button" onClick={() => sort.onSort(next)}>
          {label}
          <span className="sort-mark" aria-hidden="true">
            {direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : '↕'}
          </span>
        </button>
      </th>
    );
  }
  return (
    <th scope="col" key={label} className={className}>
      {header ?? (hidden ? <span className="visually-hidden">{label}</span> : label)}
    </th>
  );
}

/** A click reverses the sorted column, or sorts another one in its first direction. */
function nextOrdering(key: string, current: 'ascending' | 'descending' | undefined, descendingFirst: boolean): string {
  if (current === 'ascending') return `-${key}`;
  if (current === 'descending') return key;
  return descendingFirst ? `-${key}` : key;
}

function withClass(base: string, extra: string | undefined): string {
  return extra ? `${base} ${extra}` : base;
}
