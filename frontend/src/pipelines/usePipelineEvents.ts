import { useEffect, useRef, useState } from 'react';
import { useSubscription } from 'urql';
import { graphql } from '../graphql/generated';

const PipelineUpdated = graphql(`
  subscription PipelineUpdated($fullPath: ID!) {
    pipelineUpdated(projectPath: $fullPath) {
      id
      iid
      status
    }
  }
`);

/** When pages refetch once after subscribing, for changes made meanwhile. */
const CATCH_UP_MS = 2000;

/** How often pages refetch when the websocket is unavailable. */
export const POLL_INTERVAL_MS = 5000;

/**
 * A counter that grows each time one of the project's pipelines is created or
 * changes status (the pipelineUpdated subscription), or, when the websocket
 * fails, every POLL_INTERVAL_MS while the tab is visible. Pages refetch when
 * it changes. `only` limits events to one pipeline (its global ID).
 */
export function usePipelineEvents(fullPath: string, only?: string): number {
  const [{ data, error }] = useSubscription({ query: PipelineUpdated, variables: { fullPath } });
  const [events, setEvents] = useState(0);
  const seen = useRef(data);
  useEffect(() => {
    if (!data || data === seen.current) return;
    seen.current = data;
    if (!only || data.pipelineUpdated.id === only) setEvents((n) => n + 1);
  }, [data, only]);
  // One catch-up refetch once the socket had time to subscribe: a change
  // made between the page's load and the subscription's start sends no event.
  useEffect(() => {
    const timer = setTimeout(() => setEvents((n) => n + 1), CATCH_UP_MS);
    return () => clearTimeout(timer);
  }, [fullPath]);
  const polled = usePolling(error != null);
  return events + polled;
}

function usePolling(enabled: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') setTick((t) => t + 1);
    }, POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [enabled]);
  return tick;
}
