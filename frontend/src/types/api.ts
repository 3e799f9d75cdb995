// types/: the TypeScript shapes of the API's payloads that several features share.

/**
 * Shapes of the TaskPulse API (API.md) shared by several features and by the live client.
 * The backend builds them in `task_manager/payloads.py`; keep the two in step.
 */

export const EXECUTION_STATUSES = [
  'PENDING',
  'STARTED',
  'PROGRESS',
  'RETRY',
  'SUCCESS',
  'FAILURE',
  'REVOKED',
] as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const ACTIVE_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  'PENDING',
  'STARTED',
  'PROGRESS',
  'RETRY',
]);

/** What runs an execution: a Celery task, or a task of Django's tasks framework. */
export const EXECUTION_KINDS = ['celery', 'django'] as const;

export type ExecutionKind = (typeof EXECUTION_KINDS)[number];

export type ExecutionUser = { id: number; username: string };

export type Execution = {
  id: number;
  task_id: string;
  name: string;
  module: string;
  title: string;
  /** Absent from payloads of servers before the kind existed: a Celery task. */
  kind?: ExecutionKind;
  /** A django.tasks task: the alias of the TASKS backend that holds it. */
  backend?: string | null;
  user: ExecutionUser | null;
  status: ExecutionStatus;
  progress: number;
  current_step: number;
  total_steps: number;
  message: string;
  total_items: number;
  processed_items: number;
  failed_items: number;
  result: unknown;
  error: string | null;
  worker: string | null;
  attempt: number;
  parent_id: number | null;
  /** Its children (an EDI import's file tasks), and how many of them failed. */
  children_count?: number;
  children_failed?: number;
  /** The execution this one retried, if any. */
  retry_of?: number | null;
  template_id: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
  eta_seconds: number | null;
  seq: number;
  is_active: boolean;
  cancel_requested?: boolean;
  can_cancel: boolean;
  /** A finished FAILURE or REVOKED execution its module can run again (an EDI import can't). */
  can_retry: boolean;
  /** Staff only, on the detail endpoint. */
  traceback?: string | null;
  /** The launch params of a template launch (secret-looking keys redacted by the server). */
  params?: Record<string, unknown> | null;
  /** Detail endpoint only: the arguments it was sent with (redacted), null when too large. */
  args?: unknown[] | null;
  kwargs?: Record<string, unknown> | null;
  arguments_truncated?: boolean;
  /** Detail endpoint only: its named steps, and the executions that retried it. */
  steps?: ExecutionStep[];
  retries?: number[];
};

/** `pending`, `running`, `done`, `failed`, `cancelled` or `skipped` (a string: unknown ones render). */
export type ExecutionStepStatus = string;

export type ExecutionStep = {
  index: number;
  name: string;
  status: ExecutionStepStatus;
  started_at: string | null;
  finished_at: string | null;
};

/** GET /api/tasks/executions/counts/: how many executions match, per value of each facet. */
export type ExecutionCounts = {
  status: Partial<Record<ExecutionStatus, number>>;
  module: Record<string, number>;
  name: Record<string, number>;
  kind?: Partial<Record<ExecutionKind, number>>;
};

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/** `level` is one of LogLevel; kept a string so an unknown level still renders. */
export type LogLine = { seq: number; ts: string; level: string; message: string };

export type NotificationLevel = 'info' | 'success' | 'warning' | 'error';

export type Notification = {
  id: number;
  /** One of NotificationLevel; kept a string so an unknown level still renders. */
  level: string;
  title: string;
  message: string;
  execution_id: number | null;
  /** Its execution's module (deploy, edi...), null without an execution. */
  module: string | null;
  created_at: string;
  read: boolean;
};

export type Page<T> = {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
};
