/**
 * The newest `seq` seen per execution, for the most recent `max` executions: a change passes
 * once, and never after a newer one, whatever the order in which the socket and REST bring it.
 */
export class SeqFilter {
  private readonly seqs = new Map<number, number>();
  private readonly max: number;

  constructor(max = 10_000) {
    this.max = max;
  }

  /** Whether `seq` is newer than any seen for execution `id` (it is then the newest). */
  accept(id: number, seq: number): boolean {
    const last = this.seqs.get(id);
    if (last !== undefined && seq <= last) return false;
    // Re-inserted so that the map's order is the order of use: the first key is the oldest.
    this.seqs.delete(id);
    this.seqs.set(id, seq);
    if (this.seqs.size > this.max) {
      const oldest = this.seqs.keys().next();
      if (!oldest.done) this.seqs.delete(oldest.value);
    }
    return true;
  }
}
