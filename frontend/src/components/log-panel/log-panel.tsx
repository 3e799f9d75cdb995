// components/log-panel/: the live log of one execution, and the text helpers for its copy and
// download.

import { useId, useLayoutEffect, useRef, useState } from 'react';

import { useConnectionState, useExecutionLogs } from '@/lib/live/live-context';
import type { LogLine } from '@/types/api';

import { downloadText, formatLogTime, levelClass, logText } from './log-text';

/** How close to the bottom (px) still counts as "at the bottom". */
const BOTTOM_SLACK = 16;

type LogPanelProps = { executionId: number; title?: string };

/**
 * Seed 003's live log: lines colored by level, a counter, auto-scroll that pauses when the
 * user scrolls up (a button resumes it), clear, copy and download as .txt.
 */
export function LogPanel({ executionId, title = 'Logs' }: LogPanelProps) {
  const logs = useExecutionLogs(executionId);
  const connection = useConnectionState();
  const headingId = useId();
  const [notice, setNotice] = useState('');
  const { viewportRef, follow, setFollow, onScroll, unseen } = useAutoScroll(logs.lines);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(logText(logs.lines));
      setNotice('Copied to the clipboard.');
    } catch {
      setNotice('Copying is not available here; use Download instead.');
    }
  };

  return (
    <section className="panel log-panel" aria-labelledby={headingId}>
      <div className="panel-header log-toolbar">
        <h2 id={headingId}>
          {title}{' '}
          <span className="log-count">
            ({logs.lines.length} {logs.lines.length === 1 ? 'line' : 'lines'})
          </span>
        </h2>
        <div className="button-row">
          <button
            type="button"
            className="button button-small"
            aria-pressed={follow}
            onClick={() => setFollow(!follow)}
          >
            Auto-scroll
          </button>
          <button type="button" className="button button-small" onClick={logs.clear}>
            Clear
          </button>
          <button type="button" className="button button-small" onClick={() => void copy()}>
            Copy
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => downloadText(`execution-${executionId}-logs.txt`, logText(logs.lines))}
          >
            Download .txt
          </button>
        </div>
      </div>
      <p className="visually-hidden" role="status">
        {notice}
      </p>
      {logs.dropped > 0 && (
        <p className="muted">{logs.dropped} older lines are not shown (download keeps what is shown).</p>
      )}
      <div className="log-frame">
        <div
          ref={viewportRef}
          className="log-viewport"
          role="log"
          aria-live="off"
          aria-label={`${title} of execution ${executionId}`}
          tabIndex={0}
          onScroll={onScroll}
        >
          {logs.lines.length === 0 ? (
            <p className="log-empty">
              {connection === null ? 'Logs are shown while the page is live.' : 'No log lines yet.'}
            </p>
          ) : (
            logs.lines.map((line) => <LogRow key={line.seq} line={line} />)
          )}
        </div>
        {!follow && (
          <button type="button" className="button button-small log-resume" onClick={() => setFollow(true)}>
            Resume auto-scroll{unseen > 0 ? ` (${unseen} new)` : ''}
          </button>
        )}
      </div>
    </section>
  );
}

function LogRow({ line }: { line: LogLine }) {
  return (
    <div className={`log-line log-${levelClass(line.level)}`} data-seq={line.seq}>
      <time className="log-ts" dateTime={line.ts}>
        {formatLogTime(line.ts)}
      </time>
      <span className="log-level">{line.level}</span>
      <span className="log-message">{line.message}</span>
    </div>
  );
}

/** Keeps the newest line in view until the user scrolls up; counts lines missed meanwhile. */
function useAutoScroll(lines: readonly LogLine[]) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const [follow, setFollowState] = useState(true);
  const [pausedAt, setPausedAt] = useState<number | null>(null);
  const lastSeq = lines.at(-1)?.seq ?? 0;

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (follow && viewport) viewport.scrollTop = viewport.scrollHeight;
  }, [follow, lastSeq]);

  const setFollow = (next: boolean) => {
    setFollowState(next);
    setPausedAt(next ? null : lastSeq);
  };

  const onScroll = () => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    const atBottom = viewport.scrollHeight - viewport.scrollTop - viewport.clientHeight <= BOTTOM_SLACK;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const unseen = pausedAt === null ? 0 : lines.filter((line) => line.seq > pausedAt).length;
  return { viewportRef, follow, setFollow, onScroll, unseen };
}
