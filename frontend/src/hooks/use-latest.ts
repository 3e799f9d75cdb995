// hooks/: generic React hooks shared by features (latest-value ref, debounced input, ticking
// clock).

import { useEffect, useRef } from 'react';

/**
 * A ref holding the `value` of the latest render: what a callback registered once (a
 * listener, a timer) calls, so that it sees the current props without re-subscribing.
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}
