import { useId, useState } from 'react';
import { CopyButton } from '../ui/CopyButton';

/**
 * How to use a trigger token from the tools people already have, with this
 * server's real URL and project. TOKEN stands for the token itself (kept out of
 * the page on purpose: examples get pasted into tickets and chats).
 */
export function usageExamples(origin: string, projectId: string, fullPath: string, defaultBranch: string) {
  const gitlabUrl = `${origin}/api/v4/projects/${projectId}/trigger/pipeline`;
  const webhookUrl = `${origin}/api/v4/projects/${encodeURIComponent(fullPath)}/ref/REF_NAME/trigger/pipeline?token=TOKEN`;
  const oneUrl = `${origin}/api/trigger/TOKEN`;
  return [
    {
      id: 'curl',
      label: 'cURL',
      note: 'GitLab’s form: the token and the branch or tag as form fields; variables as variables[KEY]=value.',
      code: `curl -X POST \\
     --fail \\
     -F token=TOKEN \\
     -F ref=REF_NAME \\
     -F "variables[DEPLOY_ENV]=staging" \\
     ${gitlabUrl}`,
    },
    {
      id: 'gitlab-ci',
      label: 'GitLab CI',
      note: 'A .gitlab-ci.yml job; store the token as a masked CI/CD variable named KICKOFF_TRIGGER_TOKEN in place of TOKEN.',
      code: `trigger_kickoff:
  stage: deploy
  script:
    - 'curl --fail --request POST --form token=TOKEN --form ref=${defaultBranch} "${gitlabUrl}"'
  rules:
    - if: $CI_COMMIT_BRANCH == "${defaultBranch}"`,
    },
    {
      id: 'github-actions',
      label: 'GitHub Actions',
      note: 'A workflow step; keep the token in a repository secret rather than in the file.',
      code: `name: Trigger Kickoff
on:
  push:
    branches: [${defaultBranch}]
jobs:
  trigger:
    runs-on: ubuntu-latest
    steps:
      - name: Start the Kickoff pipeline
        run: |
          curl --fail --silent --show-error --request POST \\
            --form token=TOKEN --form ref=${defaultBranch} \\
            "${gitlabUrl}"`,
    },
    {
      id: 'wget',
      label: 'wget',
      note: 'The one-URL form: starts a pipeline on the default branch; the token is the last part of the URL.',
      code: `wget --quiet --output-document=- --post-data="" "${oneUrl}"`,
    },
    {
      id: 'cron',
      label: 'cron',
      note: 'A crontab line that starts a pipeline every night at 03:00.',
      code: `0 3 * * * curl --fail --silent --show-error -X POST "${oneUrl}" > /dev/null`,
    },
    {
      id: 'webhook',
      label: 'Webhook',
      note: 'For services that can only call a URL: the request body becomes the TRIGGER_PAYLOAD variable.',
      code: webhookUrl,
    },
    {
      id: 'signed',
      label: 'Signed',
      note: 'For a token that requires signed calls: sign "<timestamp>.<body>" with its signing secret (kos_…) and send both headers; each signature works once, for 5 minutes.',
      code: `body='{"ref":"${defaultBranch}"}'
ts=$(date +%s)
sig=$(printf '%s' "$ts.$body" | openssl dgst -sha256 -hmac "$SIGNING_SECRET" | sed 's/^.* //')
curl --fail -X POST -H "Content-Type: application/json" \
     -H "X-Kickoff-Timestamp: $ts" -H "X-Kickoff-Signature: sha256=$sig" \
     --data "$body" "${oneUrl}"`,
    },
  ];
}

export function UsageExamples({
  projectId,
  fullPath,
  defaultBranch,
  origin = window.location.origin,
}: {
  projectId: string;
  fullPath: string;
  defaultBranch: string;
  origin?: string;
}) {
  const examples = usageExamples(origin, projectId, fullPath, defaultBranch);
  const [selected, setSelected] = useState(examples[0].id);
  const baseId = useId();
  const current = examples.find((e) => e.id === selected) ?? examples[0];

  function onKeyDown(event: React.KeyboardEvent<HTMLDivElement>) {
    const index = examples.findIndex((e) => e.id === selected);
    let next = -1;
    if (event.key === 'ArrowRight') next = (index + 1) % examples.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + examples.length) % examples.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = examples.length - 1;
    if (next < 0) return;
    event.preventDefault();
    setSelected(examples[next].id);
    document.getElementById(`${baseId}-tab-${examples[next].id}`)?.focus();
  }

  return (
    <div className="usage">
      <h3 className="subsection-title">Usage examples</h3>
      <p className="muted">
        Replace <code>TOKEN</code> with a trigger token and <code>REF_NAME</code> with a branch or tag.
      </p>
      <div role="tablist" aria-label="Usage examples" className="tablist" onKeyDown={onKeyDown}>
        {examples.map((e) => (
          <button
            key={e.id}
            type="button"
            role="tab"
            id={`${baseId}-tab-${e.id}`}
            aria-selected={e.id === selected}
            aria-controls={`${baseId}-panel`}
            tabIndex={e.id === selected ? 0 : -1}
            className={e.id === selected ? 'tablist-tab active' : 'tablist-tab'}
            onClick={() => setSelected(e.id)}
          >
            {e.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${current.id}`} className="tabpanel">
        <p className="muted">{current.note}</p>
        <div className="code-block">
          <pre tabIndex={0} aria-label={`${current.label} example`}>
            <code>{current.code}</code>
          </pre>
          <CopyButton text={current.code} label={`Copy ${current.label} example`} />
        </div>
      </div>
    </div>
  );
}
