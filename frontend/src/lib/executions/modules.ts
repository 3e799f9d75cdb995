/** What one execution of a module is called in a sentence ("10 deployments finished"). */
const NOUNS: Record<string, [singular: string, plural: string]> = {
  deploy: ['deployment', 'deployments'],
  edi: ['EDI import', 'EDI imports'],
};

/** The noun for `count` executions of `module` (null or mixed modules: "task"). */
export function executionNoun(module: string | null, count: number): string {
  const [singular, plural] = (module !== null && NOUNS[module]) || ['task', 'tasks'];
  return count === 1 ? singular : plural;
}

const CHILD_NOUNS: Record<string, [singular: string, plural: string]> = {
  edi: ['file', 'files'],
};

/** What an execution's children are called ("20 files" of an EDI import). */
export function childNoun(module: string, count: number): string {
  const [singular, plural] = CHILD_NOUNS[module] ?? ['subtask', 'subtasks'];
  return count === 1 ? singular : plural;
}
