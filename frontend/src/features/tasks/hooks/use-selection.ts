import { useCallback, useState } from 'react';

/**
 * The rows ticked for a bulk action, or "everything matching" the filters. A new `scope` (the
 * filters changed) starts from nothing selected: a selection never acts on rows out of view.
 */
export type Selection = {
  ids: ReadonlySet<number>;
  allMatching: boolean;
  toggle: (id: number, selected: boolean) => void;
  setMany: (ids: readonly number[], selected: boolean) => void;
  selectAllMatching: () => void;
  clear: () => void;
};

type State = { scope: string; ids: ReadonlySet<number>; allMatching: boolean };

export function useSelection(scope: string): Selection {
  const [state, setState] = useState<State>({ scope, ids: new Set(), allMatching: false });
  const current = state.scope === scope ? state : { scope, ids: new Set<number>(), allMatching: false };
  if (current !== state) setState(current);

  const setMany = useCallback(
    (ids: readonly number[], selected: boolean) =>
      setState((previous) => {
        const next = new Set(previous.ids);
        for (const id of ids) {
          if (selected) next.add(id);
          else next.delete(id);
        }
        return { ...previous, ids: next, allMatching: false };
      }),
    [],
  );
  const toggle = useCallback((id: number, selected: boolean) => setMany([id], selected), [setMany]);
  const selectAllMatching = useCallback(() => setState((previous) => ({ ...previous, allMatching: true })), []);
  const clear = useCallback(() => setState((previous) => ({ ...previous, ids: new Set(), allMatching: false })), []);

  return { ids: current.ids, allMatching: current.allMatching, toggle, setMany, selectAllMatching, clear };
}
