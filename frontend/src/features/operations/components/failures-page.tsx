// features/operations/components/: the /failures page.

import { Link, useSearchParams } from 'react-router';

import { DataTable, type Column } from '@/components/ui/data-table';
import { QueryPanel } from '@/components/ui/query-panel';
import { formatDateTime } from '@/lib/format';

import { useFailures, type FailureGroup } from '../api/get-failures';
import { rangeFrom } from '../format';
import { RangePicker } from './range-picker';

const COLUMNS: Column[] = ['Task', 'Cause', 'Count', 'First seen', 'Last seen', 'Users', 'Sample'];

/** `/failures`: failed executions grouped by cause (task, exception, message with values folded). */
export function FailuresPage() {
  const [params, setParams] = useSearchParams();
  const range = rangeFrom(params.get('range'), '24h');
  const failures = useFailures(range);
  return (
    <>
      <div className="page-header">
        <h1 className="page-title">Failures</h1>
        <RangePicker value={range} onChange={(next) => setParams({ range: next })} />
      </div>
      <section className="panel" aria-labelledby="failures-heading">
        <h2 id="failures-heading">
          {failures.data ? failuresHeading(failures.data.total, failures.data.groups.length) : 'Failures'}
        </h2>
        <QueryPanel
          query={failures}
          loading="Loading failures…"
          error="Could not load failures"
          isEmpty={(data) => data.groups.length === 0}
          empty="No failure in this range."
        >
          {(data) => (
            <DataTable caption="Failures grouped by cause" columns={COLUMNS}>
              {data.groups.map((group) => (
                <FailureRow key={group.key} group={group} />
              ))}
            </DataTable>
          )}
        </QueryPanel>
      </section>
    </>
  );
}

function FailureRow({ group }: { group: FailureGroup }) {
  const list = new URLSearchParams(group.list_filter).toString();
  return (
    <tr>
      <th scope="row" data-label="Task" className="break-all">
        <Link to={`/?${list}`}>{group.name}</Link>
      </th>
      <td data-label="Cause">
        {group.exception && <strong>{group.exception}: </strong>}
        <span title={group.sample_error}>{group.message}</span>
      </td>
      <td data-label="Count">{group.count}</td>
      <td data-label="First seen">{formatDateTime(group.first_seen)}</td>
      <td data-label="Last seen">{formatDateTime(group.last_seen)}</td>
      <td data-label="Users">{group.users ? group.users.map((user) => user.username || `#${user.id}`).join(', ') : 'you'}</td>
      <td data-label="Sample">
        <Link to={`/tasks/${group.sample_execution_id}`}>#{group.sample_execution_id}</Link>
      </td>
    </tr>
  );
}

function failuresHeading(total: number, groups: number): string {
  return `${total} ${total === 1 ? 'failure' : 'failures'} in ${groups} ${groups === 1 ? 'group' : 'groups'}`;
}
