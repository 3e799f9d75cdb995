import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, ApiError } from '@/lib/api-client';

import { ediKeys } from './types';

/** 202: the import is launched; follow `execution_id` live, read `job_id`'s detail. */
export type ImportAccepted = {
  success: boolean;
  job_id: string;
  execution_id: number;
  files: number;
  message: string;
};

/** 409: an import of the same scope (the user's, or everybody's) is running. */
export type ImportRunning = { detail: string; job_id: string; execution_id: number | null };

/** POST /api/edi/imports/ as multipart, one `files` part per file. */
export function createImport(files: readonly File[]): Promise<ImportAccepted> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  return api.post<ImportAccepted>('/api/edi/imports/', form);
}

export function useCreateImport({ onSuccess }: { onSuccess?: (accepted: ImportAccepted) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createImport,
    onSuccess: (accepted) => {
      void queryClient.invalidateQueries({ queryKey: ediKeys.importLists() });
      void queryClient.invalidateQueries({ queryKey: ediKeys.info() });
      onSuccess?.(accepted);
    },
    onError: (error) => {
      // A 409 names an import this page may not know yet.
      if (runningImportOf(error)) void queryClient.invalidateQueries({ queryKey: ediKeys.importLists() });
    },
  });
}

/** The running import a 409 names, else null. */
export function runningImportOf(error: unknown): ImportRunning | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const body = error.body as Partial<ImportRunning> | null;
  if (!body || typeof body.job_id !== 'string') return null;
  return {
    detail: error.detail ?? 'An import is already running.',
    job_id: body.job_id,
    execution_id: typeof body.execution_id === 'number' ? body.execution_id : null,
  };
}

/** The messages of a 400 (one per bad file, or about the count) or a 413 (the upload's size,
 * the user's quota), else the error's message. */
export function uploadErrorsOf(error: unknown): string[] {
  if (error instanceof ApiError && (error.status === 400 || error.status === 413)) {
    const fields = error.fieldErrors;
    const messages = [...(fields.files ?? []), ...(fields['files[]'] ?? []), ...(fields.non_field_errors ?? [])];
    if (messages.length > 0) return messages;
  }
  return [error instanceof Error ? error.message : String(error)];
}
