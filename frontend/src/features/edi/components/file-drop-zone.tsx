import { useEffect, useId, useRef, useState, type DragEvent, type ReactNode } from 'react';

type FileDropZoneProps = {
  onFiles: (files: File[]) => void;
  /** Extensions with their dot, for the picker's filter (the checks are made elsewhere). */
  accept: readonly string[];
  disabled?: boolean;
  hint?: ReactNode;
};

/**
 * Where files are dropped, many at once; the "Choose files" button opens the system picker
 * (the keyboard way, and the way without a mouse). Files dropped beside the zone are not
 * opened by the browser, which would leave the page.
 */
export function FileDropZone({ onFiles, accept, disabled = false, hint }: FileDropZoneProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const hintId = useId();
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them to know when it left.
  const depth = useRef(0);
  usePreventStrayDrops();

  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes('Files');

  const onDragEnter = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth.current += 1;
    setOver(true);
  };
  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = Array.from(event.dataTransfer.files);
    if (!disabled && files.length > 0) onFiles(files);
  };

  return (
    <div
      className={`edi-dropzone${over ? ' edi-dropzone-over' : ''}${disabled ? ' edi-dropzone-disabled' : ''}`}
      role="group"
      aria-labelledby={titleId}
      aria-describedby={hint ? hintId : undefined}
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <span className="edi-dropzone-icon" aria-hidden="true">
        ⇪
      </span>
      <p id={titleId} className="edi-dropzone-title">
        Drop EDI invoice files here
      </p>
      <p className="muted">{over ? 'Release to add them' : 'or'}</p>
      <button
        type="button"
        className="button"
        disabled={disabled}
        onClick={() => inputRef.current?.click()}
      >
        Choose files…
      </button>
      <input
        ref={inputRef}
        type="file"
        multiple
        accept={accept.join(',')}
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        aria-label="EDI invoice files"
        disabled={disabled}
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // Picking the same files again must fire another change.
          event.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** While mounted, a file dropped outside the zone does nothing (instead of replacing the page). */
function usePreventStrayDrops() {
  useEffect(() => {
    const prevent = (event: globalThis.DragEvent) => {
      if (event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files')) event.preventDefault();
    };
    window.addEventListener('dragover', prevent);
    window.addEventListener('drop', prevent);
    return () => {
      window.removeEventListener('dragover', prevent);
      window.removeEventListener('drop', prevent);
    };
  }, []);
}
