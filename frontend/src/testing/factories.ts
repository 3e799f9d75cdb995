import type { Execution, LogLine, Notification, Page } from '@/types/api';

let nextId = 100;

export function buildExecution(overrides: Partial<Execution> = {}): Execution {
  nextId += 1;
  const id = overrides.id ?? nextId;
  const status = overrides.status ?? 'PROGRESS';
  return {
    id,
    task_id: `celery-${id}`,
    name: 'deploy.deploy_vm',
    module: 'deploy',
    title: `Deploy web-${id}`,
    user: { id: 3, username: 'ana' },
    status: 'PROGRESS',
    progress: 25,
    current_step: 2,
    total_steps: 8,
    message: 'Cloning VM from template...',
    total_items: 0,
    processed_items: 0,
    failed_items: 0,
    result: null,
    error: null,
    worker: 'celery@host',
    attempt: 1,
    parent_id: null,
    template_id: null,
    created_at: '2025-01-16T10:30:00Z',
    started_at: '2025-01-16T10:30:01Z',
    finished_at: null,
    duration: 12.5,
    eta_seconds: 30,
    seq: 10,
    is_active: true,
    cancel_requested: false,
    can_cancel: true,
    // As the server says it for a deployment: a finished failure or cancel is retried.
    can_retry: status === 'FAILURE' || status === 'REVOKED',
    ...overrides,
  };
}

export function buildPage<T>(results: T[], count = results.length): Page<T> {
  return { count, next: null, previous: null, results };
}

export function logLines(from: number, to: number, level = 'INFO'): LogLine[] {
  const lines: LogLine[] = [];
  for (let seq = from; seq <= to; seq += 1) {
    lines.push({ seq, ts: '2025-01-16T10:30:00Z', level, message: `line ${seq}` });
  }
  return lines;
}

export function buildNotification(overrides: Partial<Notification> = {}): Notification {
  nextId += 1;
  return {
    id: overrides.id ?? nextId,
    level: 'success',
    title: 'Deploy web-01 finished',
    message: 'The VM is up.',
    execution_id: 42,
    module: 'deploy',
    created_at: '2025-01-16T10:31:00Z',
    read: false,
    ...overrides,
  };
}
