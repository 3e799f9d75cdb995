import { useId, useState, type FormEvent } from 'react';

import { Alert } from '@/components/ui/alert';

import { runningImportOf, uploadErrorsOf, useCreateImport, type ImportAccepted, type ImportRunning } from '../api/create-import';
import { useEdiInfo, type EdiInfo } from '../api/get-edi-info';
import { formatBytes } from '../format';
import { addFiles, countProblem, fileKey, type Rejection } from '../validation';

import { FileDropZone } from './file-drop-zone';

type UploadPanelProps = {
  onAccepted: (accepted: ImportAccepted) => void;
  /** A 409: the import that is running (shown below). */
  onRunning: (running: ImportRunning) => void;
};

/** Files dropped or picked, checked against the server's limits, then uploaded at once. */
export function UploadPanel({ onAccepted, onRunning }: UploadPanelProps) {
  const headingId = useId();
  const info = useEdiInfo();
  const limits = info.data;
  const [files, setFiles] = useState<File[]>([]);
  const [rejected, setRejected] = useState<Rejection[]>([]);
  const [repeated, setRepeated] = useState(0);
  const upload = useCreateImport({
    onSuccess: (accepted) => {
      setFiles([]);
      setRejected([]);
      setRepeated(0);
      onAccepted(accepted);
    },
  });

  const add = (incoming: File[]) => {
    const result = addFiles(files, incoming, limits);
    setFiles(result.files);
    setRejected(result.rejected);
    setRepeated(result.repeated);
    upload.reset();
  };
  const remove = (file: File) => setFiles((current) => current.filter((item) => item !== file));
  const clear = () => {
    setFiles([]);
    setRejected([]);
    setRepeated(0);
    upload.reset();
  };

  const tooMany = limits ? countProblem(files.length, limits) : null;
  const running = runningImportOf(upload.error);
  const serverErrors = upload.isError && !running ? uploadErrorsOf(upload.error) : [];
  const { byFile, general } = splitByFile(serverErrors, files);
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0 || tooMany || upload.isPending) return;
    upload.mutate(files, {
      onError: (error) => {
        const conflict = runningImportOf(error);
        if (conflict) onRunning(conflict);
      },
    });
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Upload invoice files</h2>
      <form className="edi-upload" aria-labelledby={headingId} onSubmit={submit} noValidate>
        <FileDropZone
          onFiles={add}
          accept={limits?.extensions ?? []}
          disabled={upload.isPending}
          hint={limits ? limitsHint(limits) : 'UN/EDIFACT INVOIC files, many at once.'}
        />
        {info.isError && (
          <p className="muted">The upload limits could not be read; the server checks the files when they are sent.</p>
        )}
        {rejected.length > 0 && (
          <Alert>
            <p>
              <strong>
                {rejected.length === 1 ? '1 file was not added:' : `${rejected.length} files were not added:`}
              </strong>
            </p>
            <ul className="edi-messages">
              {rejected.map((item, index) => (
                <li key={`${item.name}-${index}`}>
                  <span className="break-all">{item.name}</span>: {item.reasons.join(' ')}
                </li>
              ))}
            </ul>
          </Alert>
        )}
        <p className="visually-hidden" role="status" aria-live="polite">
          {files.length > 0 ? `${files.length} ${files.length === 1 ? 'file' : 'files'} selected.` : ''}
          {repeated > 0 ? ` ${repeated} already in the list ${repeated === 1 ? 'was' : 'were'} skipped.` : ''}
        </p>
        {repeated > 0 && (
          <p className="muted">
            {repeated === 1 ? '1 file already in the list was skipped.' : `${repeated} files already in the list were skipped.`}
          </p>
        )}
        {files.length > 0 && (
          <div className="edi-selected">
            <div className="panel-header">
              <h3>
                {files.length} {files.length === 1 ? 'file' : 'files'} selected ({formatBytes(totalBytes)})
              </h3>
              <button type="button" className="button button-small" onClick={clear} disabled={upload.isPending}>
                Clear all
              </button>
            </div>
            <ul className="edi-selected-list" aria-label="Selected files">
              {files.map((file) => {
                const problem = byFile.get(file.name);
                return (
                  <li key={fileKey(file)} className={problem ? 'edi-selected-invalid' : undefined}>
                    <span className="edi-selected-name break-all">{file.name}</span>
                    <span className="muted small">{formatBytes(file.size)}</span>
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Remove ${file.name}`}
                      onClick={() => remove(file)}
                      disabled={upload.isPending}
                    >
                      Remove
                    </button>
                    {problem && <span className="field-error edi-selected-error">{problem.join(' ')}</span>}
                  </li>
                );
              })}
            </ul>
          </div>
        )}
        {tooMany && (
          <p className="field-error" role="alert">
            {tooMany}
          </p>
        )}
        {serverErrors.length > 0 && (
          <Alert>
            <p>
              <strong>The server refused the upload; nothing was imported.</strong>
              {byFile.size > 0 &&
                ` ${byFile.size === 1 ? '1 file is' : `${byFile.size} files are`} not accepted (marked above): remove ${byFile.size === 1 ? 'it' : 'them'} and import again.`}
            </p>
            {general.length > 0 && (
              <ul className="edi-messages">
                {general.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            )}
          </Alert>
        )}
        {running && (
          <Alert tone="warning">
            <p>
              <strong>{running.detail}</strong> Import <code>{running.job_id.slice(0, 8)}</code> is running
              {running.execution_id !== null ? ` (task #${running.execution_id})` : ''}; its progress is shown below.
            </p>
          </Alert>
        )}
        <div className="button-row">
          <button
            type="submit"
            className="button button-primary"
            disabled={files.length === 0 || tooMany !== null || upload.isPending}
          >
            {upload.isPending
              ? `Uploading ${files.length} ${files.length === 1 ? 'file' : 'files'}…`
              : files.length > 0
                ? `Import ${files.length} ${files.length === 1 ? 'file' : 'files'}`
                : 'Import files'}
          </button>
        </div>
      </form>
    </section>
  );
}

function limitsHint(limits: EdiInfo): string {
  const scope = limits.lock_scope === 'global' ? 'one import at a time for everybody' : 'one import at a time per user';
  return `Up to ${limits.max_files} files, at most ${formatBytes(limits.max_file_bytes)} each (${limits.extensions.join(', ')}); ${scope}.`;
}

/**
 * The server words a bad file's message "name: what is wrong": those go beside their file
 * (`byFile`, keyed by name, without the prefix); the others (e.g. too many files) stay general.
 */
function splitByFile(messages: string[], files: File[]) {
  const names = [...new Set(files.map((file) => file.name))].sort((a, b) => b.length - a.length);
  const byFile = new Map<string, string[]>();
  const general: string[] = [];
  for (const message of messages) {
    const name = names.find((candidate) => message.startsWith(`${candidate}: `));
    if (name === undefined) {
      general.push(message);
      continue;
    }
    const text = message.slice(name.length + 2);
    byFile.set(name, [...(byFile.get(name) ?? []), capitalize(text)]);
  }
  return { byFile, general };
}

function capitalize(text: string): string {
  return text ? `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}` : text;
}
