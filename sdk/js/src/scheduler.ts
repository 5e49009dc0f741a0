// Timers behind an interface, so unit tests run the connection on a virtual clock.

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A restartable one-shot timer. */
export class Timer {
  private handle: unknown = null;

  constructor(private readonly scheduler: Scheduler) {}

  get active(): boolean {
    return this.handle !== null;
  }

  start(ms: number, fn: () => void): void {
    this.stop();
    this.handle = this.scheduler.setTimeout(() => {
      this.handle = null;
      fn();
    }, ms);
  }

  stop(): void {
    if (this.handle !== null) {
      this.scheduler.clearTimeout(this.handle);
      this.handle = null;
    }
  }
}
