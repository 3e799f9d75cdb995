const TONES: Record<string, string> = {
  pending: 'status-pending',
  deploying: 'status-progress',
  success: 'status-success',
  failed: 'status-failure',
  cancelled: 'status-revoked',
};

export function DeploymentStatus({ status }: { status: string }) {
  return <span className={`badge status-badge ${TONES[status] ?? 'status-pending'}`}>{status}</span>;
}
