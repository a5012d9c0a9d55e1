// A bound on the bytes of request bodies the server holds at once. A body is read only once its
// declared size fits in what is left, and its bytes return when its answer is done; the others
// wait unread, so their data stays in the kernel and with the client (Node stops reading a socket
// whose request nobody reads). Why: a 7 MiB body is held several times over while it is read,
// turned into text and parsed, so a few connections sending large bodies at once would otherwise
// grow the process by hundreds of MB. Waiting is in arrival order, so a large body is not
// starved by small ones; an ordinary AdmissionReview (a few KiB) gets its share at once unless
// large bodies fill the budget.

interface Waiting {
  bytes: number;
  start: (release: () => void) => void;
}

export class BodyBudget {
  private available: number;
  private readonly queue: Waiting[] = [];

  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Bytes not reserved now. */
  get free(): number {
    return this.available;
  }

  /** Requests waiting for bytes to return. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Calls `start` once `bytes` (at most the capacity) fit, at once if they do now, with the
   * function that returns them (calling it again does nothing). Returns a function that withdraws
   * a reservation still waiting, and does nothing once `start` has run.
   */
  reserve(bytes: number, start: (release: () => void) => void): () => void {
    const entry: Waiting = { bytes: Math.min(Math.max(bytes, 0), this.capacity), start };
    if (this.queue.length === 0 && entry.bytes <= this.available) {
      this.grant(entry);
      return () => undefined;
    }
    this.queue.push(entry);
    return () => {
      const i = this.queue.indexOf(entry);
      if (i !== -1) {
        this.queue.splice(i, 1);
        // The one withdrawn may have been what held back those behind it.
        this.drain();
      }
    };
  }

  private grant(entry: Waiting): void {
    this.available -= entry.bytes;
    let returned = false;
    entry.start(() => {
      if (returned) return;
      returned = true;
      this.available += entry.bytes;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.queue[0]!.bytes <= this.available) this.grant(this.queue.shift()!);
  }
}
