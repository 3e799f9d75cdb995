import { useId, type InputHTMLAttributes } from 'react';

import { useDebouncedInput } from '@/hooks/use-debounced-input';

type TextFilterProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> & {
  label: string;
  /** The text the list is filtered by now. */
  value: string;
  /** Called with the typed text once typing pauses. */
  onCommit: (value: string) => void;
  /** Rewrites what is typed (to upper case, say). */
  normalize?: (text: string) => string;
  /** Takes the room left in the filter bar. */
  grow?: boolean;
};

/** A labelled text input of a filter bar, applied once typing pauses. */
export function TextFilter({ label, value, onCommit, normalize, grow = false, ...inputProps }: TextFilterProps) {
  const id = useId();
  const text = useDebouncedInput(value, onCommit);
  return (
    <div className={grow ? 'field field-grow' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        {...inputProps}
        id={id}
        value={text.value}
        onChange={(event) => text.setValue(normalize ? normalize(event.target.value) : event.target.value)}
      />
    </div>
  );
}
