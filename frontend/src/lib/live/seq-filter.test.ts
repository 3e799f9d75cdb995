import { describe, expect, it } from 'vitest';

import { SeqFilter } from './seq-filter';

describe('SeqFilter', () => {
  it('lets each change through once and never after a newer one', () => {
    const seqs = new SeqFilter();
    expect(seqs.accept(42, 10)).toBe(true);
    expect(seqs.accept(42, 10)).toBe(false);
    expect(seqs.accept(42, 9)).toBe(false);
    expect(seqs.accept(42, 11)).toBe(true);
    expect(seqs.accept(43, 1)).toBe(true);
  });

  it('forgets the execution used least recently past its size', () => {
    const seqs = new SeqFilter(2);
    seqs.accept(1, 5);
    seqs.accept(2, 5);
    seqs.accept(1, 6); // 1 is now the most recent
    seqs.accept(3, 5); // 2 is forgotten
    expect(seqs.accept(1, 6)).toBe(false);
    expect(seqs.accept(2, 1)).toBe(true);
  });
});
