/**
 * The `max` most recently added or touched values, oldest dropped first: a memory that cannot grow
 * with how long the process runs. A Map keeps insertion order, so re-adding moves a value to the end.
 */
export class RecentSet<T> {
  private readonly values = new Map<T, true>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer; got ${max}`);
  }

  has(value: T): boolean {
    return this.values.has(value);
  }

  /** Adds `value` (or makes it the newest again); the oldest goes when there are more than `max`. */
  add(value: T): void {
    this.values.delete(value);
    this.values.set(value, true);
    if (this.values.size > this.max) this.values.delete(this.values.keys().next().value as T);
  }

  get size(): number {
    return this.values.size;
  }
}
