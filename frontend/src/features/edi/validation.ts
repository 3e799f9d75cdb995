/**
 * The checks the server makes on an upload (edi.services.upload_problems), made before it:
 * the limits come from GET /api/edi/info/. The server checks again and its 400 is shown too.
 */
import type { EdiInfo } from './api/get-edi-info';
import { formatBytes } from './format';

export type UploadLimits = Pick<EdiInfo, 'max_files' | 'max_file_bytes' | 'extensions'>;

/** A file left out of the selection, and why. */
export type Rejection = { name: string; reasons: string[] };

export function extensionOf(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** Why a file may not be uploaded ([] when it may). */
export function fileProblems(file: Pick<File, 'name' | 'size'>, limits: UploadLimits): string[] {
  const problems: string[] = [];
  const allowed = limits.extensions.map((extension) => `.${extension.replace(/^\./, '').toLowerCase()}`);
  if (allowed.length > 0 && !allowed.includes(extensionOf(file.name))) {
    problems.push(`Wrong type: expected an EDIFACT file (${allowed.join(', ')}).`);
  }
  if (file.size > limits.max_file_bytes) {
    problems.push(`Too large: ${formatBytes(file.size)}; at most ${formatBytes(limits.max_file_bytes)}.`);
  }
  return problems;
}

/** The message when the selection holds more files than one upload may. */
export function countProblem(count: number, limits: UploadLimits): string | null {
  if (count <= limits.max_files) return null;
  const extra = count - limits.max_files;
  return `Too many files: ${count} selected; at most ${limits.max_files} per import. Remove ${extra} ${extra === 1 ? 'file' : 'files'}.`;
}

/** The same file picked or dropped twice (name, size and date) is one file. */
export function fileKey(file: File): string {
  return `${file.name}\u0000${file.size}\u0000${file.lastModified}`;
}

export type Added = { files: File[]; rejected: Rejection[]; repeated: number };

/** The selection after adding `incoming`: bad files left out, repeated ones once. */
export function addFiles(current: readonly File[], incoming: readonly File[], limits: UploadLimits | undefined): Added {
  const files = [...current];
  const keys = new Set(current.map(fileKey));
  const rejected: Rejection[] = [];
  let repeated = 0;
  for (const file of incoming) {
    const key = fileKey(file);
    if (keys.has(key)) {
      repeated += 1;
      continue;
    }
    const reasons = limits ? fileProblems(file, limits) : [];
    if (reasons.length > 0) {
      rejected.push({ name: file.name, reasons });
      continue;
    }
    keys.add(key);
    files.push(file);
  }
  return { files, rejected, repeated };
}
