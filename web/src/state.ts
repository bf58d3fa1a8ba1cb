// A tiny observable value for app-wide state (session, language, route), read by components through useSignal.
import { useEffect, useState } from 'preact/hooks';

export type Signal<T> = { value: T; subscribe: (fn: () => void) => () => void };

export function signal<T>(initial: T): Signal<T> {
  let v = initial;
  const subs = new Set<() => void>();
  return {
    get value() {
      return v;
    },
    set value(next: T) {
      v = next;
      subs.forEach((f) => f());
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

export function useSignal<T>(s: Signal<T>): T {
  const [, force] = useState(0);
  useEffect(() => s.subscribe(() => force((n) => n + 1)), [s]);
  return s.value;
}
