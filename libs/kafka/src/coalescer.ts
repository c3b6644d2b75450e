/**
 * Merges work submitted in the same turn of the event loop into one call.
 *
 * kafkajs hands the batches of one fetch to its workers synchronously, so batch handlers that
 * submit here before their first await end up in one group: one database transaction for the
 * whole fetch instead of one per partition. A group closes when the event loop turns (after
 * I/O callbacks, `setImmediate`) or when it holds `maxItems`; while every call slot is busy the
 * open group keeps filling, so under load the groups grow instead of queueing transactions.
 * Every submitter gets the group's outcome: a failure rejects all of them, and each decides
 * how to go on with its own items.
 */
export interface CoalescerOptions {
  /** Most items in one call; a submission never splits, so one larger submission runs alone. */
  maxItems: number;
  /** Calls running at the same time. */
  maxConcurrent: number;
}

interface Group<T> {
  items: T[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BatchCoalescer<T> {
  private open?: Group<T>;
  private running = 0;
  private readonly slots: (() => void)[] = [];

  constructor(
    private readonly run: (items: T[]) => Promise<void>,
    private readonly options: CoalescerOptions,
  ) {
    if (options.maxItems < 1 || options.maxConcurrent < 1)
      throw new Error('coalescer needs maxItems >= 1 and maxConcurrent >= 1');
  }

  /** Resolves when the call holding these items succeeded; rejects with its error otherwise. */
  submit(items: readonly T[]): Promise<void> {
    let group = this.open;
    if (group && group.items.length > 0 && group.items.length + items.length > this.options.maxItems) {
      this.open = undefined;
      group = undefined;
    }
    group ??= this.openGroup();
    for (const item of items) group.items.push(item);
    if (group.items.length >= this.options.maxItems && this.open === group) this.open = undefined;
    return group.promise;
  }

  private openGroup(): Group<T> {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be awaiting yet when the call fails; the submitters' awaits handle it.
    promise.catch(() => undefined);
    const group: Group<T> = { items: [], promise, resolve, reject };
    this.open = group;
    setImmediate(() => void this.dispatch(group));
    return group;
  }

  private async dispatch(group: Group<T>): Promise<void> {
    await this.acquire();
    if (this.open === group) this.open = undefined;
    try {
      await this.run(group.items);
      group.resolve();
    } catch (err) {
      group.reject(err);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slots.push(resolve));
  }

  private release(): void {
    const next = this.slots.shift();
    if (next) next();
    else this.running--;
  }
}
