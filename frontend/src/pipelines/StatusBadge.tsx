import type { PipelineStatusEnum } from '../graphql/generated/graphql';

const LABELS: Record<PipelineStatusEnum, string> = {
  CREATED: 'created',
  PENDING: 'pending',
  RUNNING: 'running',
  SUCCESS: 'passed',
  FAILED: 'failed',
  CANCELED: 'canceled',
  SKIPPED: 'skipped',
};

export const PIPELINE_STATUSES = Object.keys(LABELS) as PipelineStatusEnum[];

export function statusLabel(status: PipelineStatusEnum): string {
  return LABELS[status] ?? status.toLowerCase();
}

/** GitLab's CI status badge: a coloured pill with the status name. */
export function StatusBadge({ status }: { status: PipelineStatusEnum }) {
  return (
    <span className={`status-badge status-${status.toLowerCase()}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {statusLabel(status)}
    </span>
  );
}
