// features/deploy/api/: the deploy endpoints, one module per call, and (here) the shapes and cache
// keys they share.

/**
 * The deploy API (issue 6), being built in parallel: these types follow the brief's shapes
 * and read the rest defensively (fields may sit at the top level or under `params`).
 */
export type DeploymentInput = {
  hostname: string;
  vcenter_host: string;
  datacenter: string;
  template: string;
  cpu: number;
  memory_gb: number;
  disk_gb: number;
  network: string;
  /** Empty for DHCP. */
  ip_address: string;
};

export type DeploymentAccepted = {
  success: boolean;
  task_id: string;
  history_id: number;
  execution_id: number;
};

export type Deployment = {
  id: number;
  hostname: string;
  /** pending, deploying, success, failed, cancelled */
  status: string;
  provider?: string;
  params?: Record<string, unknown>;
  execution_id?: number | null;
  execution?: number | { id: number } | null;
  task_id?: string;
  result?: Record<string, unknown> | null;
  error?: string | null;
  user?: { id: number; username: string } | string | null;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
} & Partial<Omit<DeploymentInput, 'hostname'>>;

export const deploymentKeys = {
  all: ['deployments'] as const,
  lists: () => ['deployments', 'list'] as const,
  list: (page: number) => ['deployments', 'list', page] as const,
  detail: (id: number) => ['deployments', 'detail', id] as const,
};

export function executionIdOf(deployment: Deployment): number | null {
  if (typeof deployment.execution_id === 'number') return deployment.execution_id;
  if (typeof deployment.execution === 'number') return deployment.execution;
  if (deployment.execution && typeof deployment.execution.id === 'number') return deployment.execution.id;
  return null;
}

const PARAM_KEYS = ['vcenter_host', 'datacenter', 'template', 'cpu', 'memory_gb', 'disk_gb', 'network', 'ip_address'] as const;

/** The deployment's parameters wherever the API put them. */
export function deploymentParams(deployment: Deployment): Record<string, unknown> {
  const params: Record<string, unknown> = { ...(deployment.params ?? {}) };
  for (const key of PARAM_KEYS) if (deployment[key] !== undefined) params[key] = deployment[key];
  return params;
}
