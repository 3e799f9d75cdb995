import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { Alert } from './alert';
import { Loading } from './loading';

type QueryPanelProps<T> = {
  query: UseQueryResult<T>;
  /** What the spinner says until the first answer. */
  loading: string;
  /** What the alert says before the error's own message ("Could not load the imports"). */
  error: string;
  /** A control beside the error (a Retry button). */
  errorAction?: ReactNode;
  /** Whether an answer has nothing to show: `empty` is said instead of the children. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
};

/**
 * The states of a panel fed by one query: a spinner while the first answer is awaited, an
 * alert when it failed, a sentence when there is nothing, else the children with the data.
 * A refetch that fails keeps the data shown under its alert.
 */
export function QueryPanel<T>({ query, loading, error, errorAction, isEmpty, empty, children }: QueryPanelProps<T>) {
  const { data } = query;
  const nothing = data !== undefined && (isEmpty?.(data) ?? false);
  return (
    <>
      {query.isPending && <Loading label={loading} />}
      {query.isError && (
        <Alert action={errorAction}>
          {error}: {query.error.message}
        </Alert>
      )}
      {nothing && empty !== undefined && <EmptyState>{empty}</EmptyState>}
      {data !== undefined && !nothing && children(data)}
    </>
  );
}

/** The sentence shown where a list has nothing to show. */
export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty-state">{children}</p>;
}
