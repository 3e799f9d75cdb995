import type { ReactNode } from 'react';

export type Fact = [term: string, value: ReactNode];

/** A grid of labelled facts about one thing (a task, a deployment, Flower). */
export function Facts({ facts }: { facts: Fact[] }) {
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div className="fact" key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One figure of a `dl.stat-row`: a small label over a large value. */
export function Stat({ term, value }: { term: string; value: ReactNode }) {
  return (
    <div className="stat">
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
