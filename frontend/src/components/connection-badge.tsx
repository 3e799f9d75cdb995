// components/: React components shared by features: generic ones in ui/, and those that show an
// execution (progress card, live log).

import { useConnectionState } from '@/lib/live/live-context';
import type { ConnectionState } from '@/lib/live/connection';

const TEXT: Record<ConnectionState, string> = {
  live: 'Live',
  reconnecting: 'Reconnecting...',
  polling: 'Offline: polling',
};

const DESCRIPTION: Record<ConnectionState, string> = {
  live: 'Updates arrive live over the WebSocket.',
  reconnecting: 'The live connection dropped; reconnecting.',
  polling: 'The live connection is down; running tasks are refreshed every 2 seconds.',
};

/** The state of the tab's live connection, announced politely when it changes. */
export function ConnectionBadge() {
  const state = useConnectionState();
  if (state === null) return null;
  return (
    <span
      className={`badge connection-badge connection-${state}`}
      role="status"
      title={DESCRIPTION[state]}
      data-state={state}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-text">{TEXT[state]}</span>
    </span>
  );
}
