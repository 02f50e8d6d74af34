import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../graphql/generated';
import type { AccessLevel } from '../graphql/generated/graphql';
import { mutationFailure } from '../graphql/errors';
import { levelLabel } from '../members/accessLevels';
import { ErrorAlert } from '../ui/States';

const UpdateJobLogAccess = graphql(`
  mutation ProjectJobLogAccess($input: ProjectUpdateInput!) {
    projectUpdate(input: $input) {
      project {
        id
        jobLogAccessLevel
        userPermissions {
          readJobLog
        }
      }
      errors
    }
  }
`);

/** The levels a project may open its job logs to (authz.JobLogLevels). */
export const JOB_LOG_LEVELS: readonly AccessLevel[] = ['REPORTER', 'DEVELOPER', 'MAINTAINER'];

/** Settings › CI/CD › Job logs: who may read them, for Maintainers. */
export function JobLogAccessSection({ fullPath, level }: { fullPath: string; level: AccessLevel }) {
  const [chosen, setChosen] = useState<AccessLevel>(level);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, update] = useMutation(UpdateJobLogAccess);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const result = await update({ input: { projectPath: fullPath, jobLogAccessLevel: chosen } });
    const failure = mutationFailure(result, result.data?.projectUpdate);
    setError(failure);
    setSaved(!failure);
  }

  return (
    <section className="settings-section" aria-labelledby="job-log-access-title">
      <h2 id="job-log-access-title" className="section-title">
        Job logs
      </h2>
      <p className="muted">
        A job log holds whatever the job printed, which may include secrets that were not masked. By default only
        Maintainers read logs, as for variable values.
      </p>
      <form className="form add-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="job-log-access">Who can read job logs</label>
          <select
            id="job-log-access"
            value={chosen}
            onChange={(event) => {
              setChosen(event.target.value as AccessLevel);
              setSaved(false);
            }}
          >
            {JOB_LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {levelLabel(l)}s and above
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={fetching || chosen === level}>
            {fetching ? 'Saving…' : 'Save'}
          </button>
        </div>
        <ErrorAlert message={error} />
        {saved ? (
          <p className="muted" role="status">
            Saved: {levelLabel(chosen)}s and above can read job logs.
          </p>
        ) : null}
      </form>
    </section>
  );
}
