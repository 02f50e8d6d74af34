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

/** How often a running pipeline's log is read on. */
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
  if (forbidden) return <p className="muted">Job logs are visible to project Maintainers only.</p>;
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

/** Reads the log piece by piece; while the pipeline runs, every LOG_POLL_MS. */
function useLogText(fullPath: string, iid: number): LogState {
  const client = useClient();
  const [state, setState] = useState<LogState>({ text: '', complete: false, truncated: false, forbidden: false, error: null });
  useEffect(() => {
    let offset = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function readOn() {
      const result = await client
        .query(PipelineLogQuery, { fullPath, iid: String(iid), offset }, { requestPolicy: 'network-only' })
        .toPromise();
      if (stopped) return;
      const log = result.data?.project?.pipeline?.log;
      if (result.error || !log) {
        setState((s) => ({ ...s, forbidden: !result.error, error: result.error ? result.error.message : null }));
        if (result.error) timer = setTimeout(readOn, LOG_POLL_MS * 5);
        return;
      }
      offset = log.nextOffset;
      setState((s) => ({
        text: s.text + log.content,
        complete: log.complete,
        truncated: log.truncated,
        forbidden: false,
        error: null,
      }));
      // More is there already: read on at once; otherwise wait for output.
      if (log.content.length > 0 && !log.complete) timer = setTimeout(readOn, 0);
      else if (!log.complete) timer = setTimeout(readOn, LOG_POLL_MS);
    }
    void readOn();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, fullPath, iid]);
  return state;
}
