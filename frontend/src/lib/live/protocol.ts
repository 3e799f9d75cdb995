/** Messages of the WebSocket /ws/tasks/ (API.md, backend task_manager/consumers.py). */
import type { ProgressChange } from '@/lib/executions/cache';
import type { Execution, LogLine, Notification } from '@/types/api';

export type HelloMessage = {
  type: 'hello';
  user: { id: number; username: string; is_staff?: boolean };
  server_time?: string;
};
export type StatusMessage = {
  type: 'task.status';
  execution_id: number;
  seq: number;
  execution: Execution;
};
export type ProgressMessage = { type: 'task.progress' } & ProgressChange;
export type LogMessage = { type: 'task.log'; execution_id: number; seq: number; lines: LogLine[] };
export type NotificationMessage = { type: 'notification'; notification: Notification };
export type ErrorMessage = { type: 'error'; detail: string };

export type ServerMessage =
  | HelloMessage
  | StatusMessage
  | ProgressMessage
  | LogMessage
  | NotificationMessage
  | ErrorMessage
  | { type: 'pong' };

export type ClientMessage =
  | { action: 'subscribe'; execution_id: number; since_seq?: number }
  | { action: 'unsubscribe'; execution_id: number }
  | { action: 'ping' };

export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN_ORIGIN = 4403;
export const CLOSE_ACCESS_CHANGED = 4409;

const KNOWN_TYPES = new Set([
  'hello',
  'task.status',
  'task.progress',
  'task.log',
  'notification',
  'error',
  'pong',
]);

/** A frame is trusted as far as its `type` and the ids that routing needs. */
export function asServerMessage(value: unknown): ServerMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) return null;
  if (type.startsWith('task.')) {
    const { execution_id, seq } = value as { execution_id?: unknown; seq?: unknown };
    if (typeof execution_id !== 'number' || typeof seq !== 'number') return null;
  }
  return value as ServerMessage;
}
