import type { LiveEvent } from '@billing/client/gateway-client';
import { useCallback, useEffect, useRef, useState } from 'react';

export type Loadable<T> =
  | { state: 'loading' }
  | { state: 'error'; error: unknown }
  | { state: 'ready'; data: T; refreshing: boolean };

/**
 * Runs `load` now, again when `deps` change, every `pollMs` when given, and whenever `reload` is called;
 * a stale answer (deps changed meanwhile) is dropped. The last good data stays on screen while it reloads.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], pollMs?: number) {
  const [value, setValue] = useState<Loadable<T>>({ state: 'loading' });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    const mine = ++generation.current;
    setValue((v) => (v.state === 'ready' ? { ...v, refreshing: true } : v));
    loadRef.current().then(
      (data) => mine === generation.current && setValue({ state: 'ready', data, refreshing: false }),
      (error: unknown) => mine === generation.current && setValue({ state: 'error', error }),
    );
  }, []);
  useEffect(() => {
    setValue({ state: 'loading' });
    run();
    if (pollMs === undefined) return;
    const timer = setInterval(run, pollMs);
    return () => clearInterval(timer);
  }, deps);
  return { value, reload: run };
}

export type LiveStatus = 'connecting' | 'live' | 'closed' | 'failed';

/** The events of one stream, newest first and at most `keepMax`, while the component is on screen. */
export function useLiveEvents(
  open: ((signal: AbortSignal, onOpen: () => void) => AsyncGenerator<LiveEvent>) | null,
  deps: readonly unknown[],
  onEvent?: (event: LiveEvent) => void,
  keepMax = 50,
) {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  useEffect(() => {
    if (open === null) return;
    const abort = new AbortController();
    setEvents([]);
    setStatus('connecting');
    void (async () => {
      try {
        const stream = open(abort.signal, () => setStatus('live'));
        for await (const event of stream) {
          setEvents((list) => [event, ...list].slice(0, keepMax));
          onEventRef.current?.(event);
        }
        if (!abort.signal.aborted) setStatus('closed');
      } catch {
        if (!abort.signal.aborted) setStatus('failed');
      }
    })();
    return () => abort.abort();
  }, deps);
  return { events, status };
}
