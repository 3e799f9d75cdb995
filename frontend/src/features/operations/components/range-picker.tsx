import { RANGES, type Range } from '../api/get-failures';

/** The range buttons of the Failures and Metrics pages. */
export function RangePicker({ value, onChange }: { value: Range; onChange: (range: Range) => void }) {
  return (
    <div className="page-actions" role="group" aria-label="Range">
      {RANGES.map((range) => (
        <button key={range} type="button" className="button" aria-pressed={range === value} onClick={() => onChange(range)}>
          {range}
        </button>
      ))}
    </div>
  );
}
