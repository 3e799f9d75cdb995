import { describe, expect, it } from 'vitest';

import { formatBytes, segmentText } from './format';
import { ediFile } from './testing';
import { addFiles, countProblem, extensionOf, fileProblems } from './validation';

const LIMITS = { max_files: 3, max_file_bytes: 2048, extensions: ['.edi', 'inv', '.TXT'] };

describe('upload checks', () => {
  it('reads extensions case-insensitively, with or without their dot in the limits', () => {
    expect(extensionOf('INVOIC_1.EDI')).toBe('.edi');
    expect(extensionOf('.edi')).toBe('');
    expect(extensionOf('noext')).toBe('');
    expect(fileProblems({ name: 'a.Inv', size: 10 }, LIMITS)).toEqual([]);
    expect(fileProblems({ name: 'a.txt', size: 10 }, LIMITS)).toEqual([]);
    expect(fileProblems({ name: 'a.pdf', size: 10 }, LIMITS)).toEqual([
      'Wrong type: expected an EDIFACT file (.edi, .inv, .txt).',
    ]);
  });

  it('refuses a file over the size limit, and says both problems at once', () => {
    expect(fileProblems({ name: 'a.edi', size: 2048 }, LIMITS)).toEqual([]);
    expect(fileProblems({ name: 'a.zip', size: 4096 }, LIMITS)).toEqual([
      'Wrong type: expected an EDIFACT file (.edi, .inv, .txt).',
      'Too large: 4 KB; at most 2 KB.',
    ]);
  });

  it('counts the files of one upload', () => {
    expect(countProblem(3, LIMITS)).toBeNull();
    expect(countProblem(5, LIMITS)).toBe('Too many files: 5 selected; at most 3 per import. Remove 2 files.');
  });

  it('adds good files once, and leaves the bad ones out with their reasons', () => {
    const a = ediFile('a.edi', 10);
    const result = addFiles([a], [ediFile('a.edi', 10), ediFile('b.edi', 10), ediFile('c.doc', 10)], LIMITS);
    expect(result.files.map((file) => file.name)).toEqual(['a.edi', 'b.edi']);
    expect(result.repeated).toBe(1);
    expect(result.rejected).toEqual([{ name: 'c.doc', reasons: ['Wrong type: expected an EDIFACT file (.edi, .inv, .txt).'] }]);
    // Without the limits (info/ not read), the server is left to check.
    expect(addFiles([], [ediFile('c.doc', 10)], undefined).files).toHaveLength(1);
  });
});

describe('format', () => {
  it('writes sizes in powers of 1024', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes(150 * 1024)).toBe('150 KB');
  });

  it('names the segment at fault', () => {
    expect(segmentText({ segment_position: 41, segment_tag: 'PRI' })).toBe('Segment 41 (PRI)');
    expect(segmentText({ segment_position: 3, segment_tag: null })).toBe('Segment 3');
    expect(segmentText({ segment_position: null, segment_tag: null })).toBe('—');
  });
});
