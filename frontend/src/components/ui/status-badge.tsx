import { statusLabel } from '@/lib/executions/status';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-badge status-${status.toLowerCase()}`} title={status}>
      {statusLabel(status)}
    </span>
  );
}
