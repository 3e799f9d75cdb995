import { useEffect, useState } from 'react';

import { useLatest } from './use-latest';

/** How long typing must pause before a text filter is applied. */
export const INPUT_DEBOUNCE_MS = 300;

/**
 * A text input's value, reported through `commit` once typing pauses; a change of
 * `committed` from outside (a reset, the browser's back button) replaces what is typed.
 */
export function useDebouncedInput(committed: string, commit: (value: string) => void) {
  const [value, setValue] = useState(committed);
  const [lastCommitted, setLastCommitted] = useState(committed);
  if (committed !== lastCommitted) {
    setLastCommitted(committed);
    setValue(committed);
  }
  const latestCommit = useLatest(commit);
  useEffect(() => {
    if (value === committed) return;
    const timer = setTimeout(() => latestCommit.current(value), INPUT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [value, committed, latestCommit]);
  return { value, setValue };
}
