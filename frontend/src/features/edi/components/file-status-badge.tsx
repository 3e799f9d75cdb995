const LABELS: Record<string, string> = {
  imported: 'Imported',
  duplicate: 'Duplicate',
  failed: 'Failed',
  pending: 'Pending',
};

/** A file's outcome in an import, worded and coloured like the task statuses. */
export function FileStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-badge edi-file-${status}`} title={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
