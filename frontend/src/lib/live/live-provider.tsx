import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';

import { useLatest } from '@/hooks/use-latest';

import { LiveClient } from './live-client';
import { LiveContext } from './live-context';

type LiveProviderProps = {
  children: ReactNode;
  /** A prepared client (tests); by default one is made for this tab. */
  client?: LiveClient;
  /** The server closed the socket with 4401 or 4409: who the user is, or may see, changed. */
  onAccessChanged?: () => void;
};

/** Starts the tab's one live connection for the signed-in shell and stops it on the way out. */
export function LiveProvider({ children, client: given, onAccessChanged }: LiveProviderProps) {
  const queryClient = useQueryClient();
  const [client] = useState(() => given ?? new LiveClient({ queryClient }));
  const accessChanged = useLatest(onAccessChanged);

  useEffect(() => {
    const off = client.on('access-changed', () => accessChanged.current?.());
    client.start();
    return () => {
      off();
      client.stop();
    };
  }, [client, accessChanged]);

  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}
