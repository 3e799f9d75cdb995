import { describe, expect, it } from 'vitest';

import { gaugeState } from './gauge';
import { buildFile, buildImport, buildImportExecution } from './testing';

describe('gaugeState', () => {
  it('counts failed files as processed, as seed 002 does, from the live execution', () => {
    const detail = buildImport({ total_items: 50, processed_items: 10, failed_items: 1, status: 'in_progress', files: [] });
    const execution = buildImportExecution({ total_items: 50, processed_items: 40, failed_items: 5 });
    expect(gaugeState(detail, execution)).toMatchObject({ phase: 'in_progress', total: 50, done: 45, failed: 5, percent: 90 });
  });

  it('never goes backwards when the detail is ahead of the execution it was read with', () => {
    const detail = buildImport({ files: [buildFile(), buildFile(), buildFile({ status: 'failed' }), buildFile({ status: 'pending' })] });
    const stale = buildImportExecution({ total_items: 4, processed_items: 1, failed_items: 0 });
    expect(gaugeState(detail, stale)).toMatchObject({ total: 4, done: 3, failed: 1, percent: 75 });
  });

  it('uses the 202 file count before anything else is known', () => {
    expect(gaugeState(undefined, undefined, 12)).toMatchObject({ phase: 'pending', total: 12, done: 0, percent: 0 });
    const beforeFanOut = buildImportExecution({ status: 'STARTED', total_items: 0, message: '' });
    expect(gaugeState(undefined, beforeFanOut, 12)).toMatchObject({ phase: 'in_progress', total: 12 });
  });

  it("ends with the import's own message, or the failure", () => {
    const done = buildImportExecution({ status: 'SUCCESS', is_active: false, total_items: 2, processed_items: 2, message: 'Import finished: 2 files, 0 failed' });
    expect(gaugeState(undefined, done)).toMatchObject({ phase: 'completed', percent: 100, message: 'Import finished: 2 files, 0 failed' });
    const failed = buildImportExecution({ status: 'FAILURE', is_active: false, error: 'Worker lost', message: 'x' });
    expect(gaugeState(undefined, failed)).toMatchObject({ phase: 'failed', message: 'Worker lost' });
    const old = buildImport({ files: [buildFile()], status: 'completed', current_message: '', execution_id: null });
    expect(gaugeState(old, undefined).message).toBe('Import finished: 1 files, 0 failed');
  });
});
