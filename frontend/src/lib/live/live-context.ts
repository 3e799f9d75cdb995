import { createContext, useCallback, useContext, useEffect, useSyncExternalStore } from 'react';

import { useLatest } from '@/hooks/use-latest';

import type { ConnectionState } from './connection';
import type { LiveClient, LiveEvents } from './live-client';
import { EMPTY_LOG, type LogSnapshot } from './log-store';

/** The tab's live client; null outside the signed-in shell (and in most component tests). */
export const LiveContext = createContext<LiveClient | null>(null);

export function useLiveClient(): LiveClient | null {
  return useContext(LiveContext);
}

const noSubscription = () => () => undefined;

/** "live" | "reconnecting" | "polling", or null without a live client. */
export function useConnectionState(): ConnectionState | null {
  const client = useLiveClient();
  return useSyncExternalStore(
    client?.subscribeState ?? noSubscription,
    () => client?.getState() ?? null,
  );
}

/** Calls `handler` for each live event of `type`; the latest handler is used, no resubscribe. */
export function useLiveEvent<K extends keyof LiveEvents>(
  type: K,
  handler: (payload: LiveEvents[K]) => void,
): void {
  const client = useLiveClient();
  const latest = useLatest(handler);
  useEffect(() => client?.on(type, (payload) => latest.current(payload)), [client, type, latest]);
}

/** Follows an execution live (and its log lines with `logs`) while the component is mounted. */
export function useWatchExecution(id: number | null | undefined, { logs = false } = {}): void {
  const client = useLiveClient();
  useEffect(() => {
    if (!client || id === null || id === undefined || id <= 0) return;
    return client.watch(id, { logs });
  }, [client, id, logs]);
}

export type ExecutionLogs = LogSnapshot & { clear: () => void; isLive: boolean };

/** The live log lines of an execution: REST and WebSocket merged without gaps or doubles. */
export function useExecutionLogs(id: number): ExecutionLogs {
  const client = useLiveClient();
  useWatchExecution(id, { logs: true });
  const subscribe = useCallback(
    (listener: () => void) => client?.logs.subscribe(id, listener) ?? (() => undefined),
    [client, id],
  );
  const snapshot = useSyncExternalStore(subscribe, () => client?.logs.get(id) ?? EMPTY_LOG);
  const clear = useCallback(() => client?.logs.clear(id), [client, id]);
  return { ...snapshot, clear, isLive: client !== null };
}
