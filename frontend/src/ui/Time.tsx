import { formatDateTime, timeAgo } from './format';

/** A <time> showing "5 minutes ago" with the exact moment as its tooltip. */
export function Time({ value, fallback = '—' }: { value: string | null | undefined; fallback?: string }) {
  if (!value) return <span className="muted">{fallback}</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {timeAgo(value)}
    </time>
  );
}
