// A small typed event emitter. Listeners run synchronously in the order they were added; a
// listener that throws does not stop the others (the error is reported on the console).

type Listener = (payload: never) => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<string, Listener[]>();

  protected addListener(event: string, listener: Listener): void {
    const list = this.listeners.get(event);
    if (list) list.push(listener);
    else this.listeners.set(event, [listener]);
  }

  /** Remove one listener, or every listener of `event` when `listener` is omitted. */
  protected removeListener(event: string, listener?: Listener): void {
    if (!listener) {
      this.listeners.delete(event);
      return;
    }
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
  }

  protected isListening(event: string, listener: Listener): boolean {
    return this.listeners.get(event)?.includes(listener) ?? false;
  }

  protected hasListeners(event: string): boolean {
    return (this.listeners.get(event)?.length ?? 0) > 0;
  }

  protected emit<K extends keyof Events & string>(event: K, payload: Events[K]): void;
  protected emit(event: string, payload: unknown): void;
  protected emit(event: string, payload: unknown): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const listener of [...list]) {
      try {
        (listener as (p: unknown) => void)(payload);
      } catch (err) {
        console.error(`switchboard: a "${event}" listener threw`, err);
      }
    }
  }
}
