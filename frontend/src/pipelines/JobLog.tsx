import Anser from 'anser';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../graphql/generated';
import { ErrorAlert } from '../ui/States';

const PipelineLogQuery = graphql(`
  query PipelineLog($fullPath: ID!, $iid: ID!, $offset: Int!) {
    project(fullPath: $fullPath) {
      id
      pipeline(iid: $iid) {
        id
        log(offset: $offset, limit: 262144) {
          content
          nextOffset
          truncated
          complete
        }
      }
    }
  }
`);

const PipelineLogAppended = graphql(`
  subscription PipelineLogAppended($id: ID!, $offset: Int!) {
    pipelineLogAppended(id: $id, offset: $offset) {
      content
      nextOffset
      truncated
      complete
    }
  }
`);

/** How often a running pipeline's log is read on when the websocket fails. */
export const LOG_POLL_MS = 1000;
/**
 * The pipeline's job log with its ANSI colours, followed live (read on from
 * where the last piece ended) until the pipeline finishes.
 */
export function JobLog({ fullPath, iid }: { fullPath: string; iid: number }) {
  const { text, complete, truncated, forbidden, error } = useLogText(fullPath, iid);
  const end = useRef<HTMLDivElement>(null);
  const spans = useMemo(() => Anser.ansiToJson(text, { use_classes: false, remove_empty: true }), [text]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [text]);
  if (forbidden) return <p className="muted">You may not read this project’s job logs.</p>;
  return (
    <>
      {error ? <ErrorAlert message={`Could not load the log: ${error}`} /> : null}
      <pre className="job-log" aria-label="Job log" aria-live="polite" aria-busy={!complete}>
        {spans.length === 0 ? <span className="muted">{complete ? 'No output.' : 'Waiting for output…'}</span> : null}
        {spans.map((s, i) => (
          <span
            key={i}
            style={{
              color: s.fg ? `rgb(${s.fg})` : undefined,
              backgroundColor: s.bg ? `rgb(${s.bg})` : undefined,
              fontWeight: s.decorations.includes('bold') ? 'bold' : undefined,
            }}
          >
            {s.content}
          </span>
        ))}
        <div ref={end} />
      </pre>
      {truncated ? <p className="muted">The log reached its size limit; the rest was not stored.</p> : null}
    </>
  );
}

type LogState = { text: string; complete: boolean; truncated: boolean; forbidden: boolean; error: string | null };

type Piece = { content: string; nextOffset: number; truncated: boolean; complete: boolean };

/**
 * Reads what is stored piece by piece, then, while the pipeline runs,
 * follows the pipelineLogAppended subscription; when the websocket fails,
 * reads on every LOG_POLL_MS instead.
 */
function useLogText(fullPath: string, iid: number): LogState {
  const client = useClient();
  const [state, setState] = useState<LogState>({ text: '', complete: false, truncated: false, forbidden: false, error: null });
  useEffect(() => {
    let offset = 0;
    let stopped = false;
    let polling = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live: { unsubscribe(): void } | undefined;
    function add(log: Piece) {
      offset = log.nextOffset;
      setState((s) => ({
        text: s.text + log.content,
        complete: log.complete,
        truncated: log.truncated,
        forbidden: false,
        error: null,
      }));
    }
    async function readOn() {
      const result = await client
        .query(PipelineLogQuery, { fullPath, iid: String(iid), offset }, { requestPolicy: 'network-only' })
        .toPromise();
      if (stopped) return;
      const pipeline = result.data?.project?.pipeline;
      const log = pipeline?.log;
      if (result.error || !pipeline || !log) {
        setState((s) => ({ ...s, forbidden: !result.error, error: result.error ? result.error.message : null }));
        if (result.error) timer = setTimeout(readOn, LOG_POLL_MS * 5);
        return;
      }
      add(log);
      if (log.complete) return;
      // More is there already: read on at once; otherwise wait for output.
      if (log.content.length > 0) timer = setTimeout(readOn, 0);
      else if (polling) timer = setTimeout(readOn, LOG_POLL_MS);
      else follow(pipeline.id);
    }
    function follow(id: string) {
      let failed = false;
      live = client.subscription(PipelineLogAppended, { id, offset }).subscribe((result) => {
        const log = result.data?.pipelineLogAppended;
        if (stopped || failed) return;
        if (result.error || !log) {
          failed = true;
          polling = true;
          timer = setTimeout(readOn, LOG_POLL_MS);
          return;
        }
        add(log);
      });
      if (failed) live.unsubscribe();
    }
    void readOn();
    return () => {
      stopped = true;
      clearTimeout(timer);
      live?.unsubscribe();
    };
  }, [client, fullPath, iid]);
  return state;
}
