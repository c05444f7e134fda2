/** What a subscription or timer returns; ends it. (Here, at the base of core, so every folder may use it.) */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

/** A minimal event emitter for core code, which cannot use vscode.EventEmitter. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<Listener<T>>();

  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
