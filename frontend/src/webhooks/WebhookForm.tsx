import { useState, type FormEvent } from 'react';
import { ErrorAlert } from '../ui/States';

/** The pipeline statuses a hook may filter on (GitLab's). */
export const PIPELINE_STATUSES = ['created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped'] as const;

/** At most this many custom headers per hook (the server's limit). */
export const MAX_CUSTOM_HEADERS = 20;

/** What the form submits: trimmed text, ref patterns split on commas, headers without blank names. */
export type WebhookValues = {
  url: string;
  /** False on an edit that left the URL as shown (its secrets as ****): keep the stored one. */
  urlChanged: boolean;
  pipelineEvents: boolean;
  name: string;
  description: string;
  /** Empty: none on create, keep the current one on edit. */
  token: string;
  /** Edit only: remove the current token. */
  removeToken: boolean;
  statuses: string[];
  refGlobs: string[];
  enableSslVerification: boolean;
  customHeaders: { key: string; value: string }[];
  /** Edit only: remove every current custom header. */
  removeHeaders: boolean;
};

/** The hook being edited, as the API shows it (token and header values are write-only). */
export type WebhookInitial = {
  url: string;
  name: string;
  description: string;
  hasToken: boolean;
  pipelineEvents: boolean;
  statuses?: readonly string[] | null;
  refGlobs?: readonly string[] | null;
  enableSslVerification: boolean;
  customHeaderNames?: readonly string[] | null;
};

/** "main, release/*" → ["main", "release/*"]. */
export function splitRefGlobs(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The fields of a webhook, for "Add new webhook" and the edit dialog. `idPrefix`
 * keeps the two forms' ids apart; `onSubmit` resolves to an error message or
 * null, and on success a create form clears.
 */
export function WebhookForm({
  idPrefix,
  initial,
  formId,
  heading,
  submitLabel,
  onSubmit,
}: {
  idPrefix: string;
  initial?: WebhookInitial;
  /** Set when the submit button lives outside (a Modal footer); the form then renders no button. */
  formId?: string;
  heading?: { id: string; text: string };
  submitLabel?: string;
  onSubmit: (values: WebhookValues) => Promise<string | null>;
}) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [name, setName] = useState(initial?.name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [token, setToken] = useState('');
  const [removeToken, setRemoveToken] = useState(false);
  const [statuses, setStatuses] = useState<string[]>([...(initial?.statuses ?? [])]);
  const [refGlobs, setRefGlobs] = useState((initial?.refGlobs ?? []).join(', '));
  const [ssl, setSsl] = useState(initial?.enableSslVerification ?? true);
  const [active, setActive] = useState(initial?.pipelineEvents ?? true);
  const [removeHeaders, setRemoveHeaders] = useState(false);
  const [headers, setHeaders] = useState<{ key: string; value: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = (field: string) => `${idPrefix}-${field}`;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !url.trim()) return;
    const values: WebhookValues = {
      url: url.trim(),
      urlChanged: !initial || url.trim() !== initial.url,
      pipelineEvents: active,
      removeHeaders,
      name: name.trim(),
      description: description.trim(),
      token: removeToken ? '' : token,
      removeToken,
      statuses: PIPELINE_STATUSES.filter((s) => statuses.includes(s)),
      refGlobs: splitRefGlobs(refGlobs),
      enableSslVerification: ssl,
      customHeaders: headers
        .map((h) => ({ key: h.key.trim(), value: h.value }))
        .filter((h) => h.key !== ''),
    };
    setBusy(true);
    setError(null);
    const failure = await onSubmit(values);
    setBusy(false);
    if (failure) setError(failure);
    else if (!initial) {
      setUrl('');
      setName('');
      setDescription('');
      setToken('');
      setStatuses([]);
      setRefGlobs('');
      setSsl(true);
      setActive(true);
      setHeaders([]);
    }
  }

  const setHeader = (i: number, field: 'key' | 'value', value: string) =>
    setHeaders((hs) => hs.map((h, j) => (j === i ? { ...h, [field]: value } : h)));

  return (
    <form
      id={formId}
      className="form add-form webhook-form"
      onSubmit={submit}
      aria-labelledby={heading?.id}
      aria-label={heading ? undefined : 'Webhook'}
    >
      {heading ? (
        <h3 id={heading.id} className="subsection-title">
          {heading.text}
        </h3>
      ) : null}
      <div className="field">
        <label htmlFor={id('url')}>URL</label>
        <input
          id={id('url')}
          type="url"
          required
          maxLength={2048}
          placeholder="https://example.com/hooks/kickoff"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          aria-describedby={initial ? id('url-help') : undefined}
          data-autofocus
        />
        {initial ? (
          <span id={id('url-help')} className="muted small">
            Shown with its secrets as ****: leave it as it is to keep the stored URL. A URL on another host drops the
            secret token and custom headers unless you enter them again.
          </span>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={id('name')}>
          Name <span className="muted">(optional)</span>
        </label>
        <input id={id('name')} type="text" maxLength={255} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={id('description')}>
          Description <span className="muted">(optional)</span>
        </label>
        <textarea
          id={id('description')}
          rows={2}
          maxLength={2048}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={id('token')}>
          Secret token <span className="muted">(optional)</span>
        </label>
        <input
          id={id('token')}
          type="password"
          autoComplete="off"
          maxLength={255}
          value={token}
          disabled={removeToken}
          aria-describedby={id('token-help')}
          onChange={(event) => setToken(event.target.value)}
        />
        <span id={id('token-help')} className="muted small">
          Sent as X-Gitlab-Token with every delivery.
          {initial?.hasToken ? ' A token is set: leave this blank to keep it.' : ''}
        </span>
        {initial?.hasToken ? (
          <label className="checkbox">
            <input type="checkbox" checked={removeToken} onChange={(event) => setRemoveToken(event.target.checked)} />{' '}
            Remove the current token
          </label>
        ) : null}
      </div>
      <fieldset className="field fieldset">
        <legend>Pipeline statuses</legend>
        <div className="checkbox-row">
          {PIPELINE_STATUSES.map((s) => (
            <label key={s} className="checkbox">
              <input
                type="checkbox"
                checked={statuses.includes(s)}
                onChange={(event) =>
                  setStatuses((current) => (event.target.checked ? [...current, s] : current.filter((c) => c !== s)))
                }
              />{' '}
              {s}
            </label>
          ))}
        </div>
        <span className="muted small">None checked: every status.</span>
      </fieldset>
      <div className="field">
        <label htmlFor={id('refs')}>
          Ref patterns <span className="muted">(optional)</span>
        </label>
        <input
          id={id('refs')}
          type="text"
          placeholder="main, release/*"
          value={refGlobs}
          aria-describedby={id('refs-help')}
          onChange={(event) => setRefGlobs(event.target.value)}
        />
        <span id={id('refs-help')} className="muted small">
          Comma-separated branch or tag patterns, e.g. main, release/*. Empty: every ref.
        </span>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={ssl} onChange={(event) => setSsl(event.target.checked)} /> Enable SSL
        verification
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={active} onChange={(event) => setActive(event.target.checked)} /> Send pipeline
        events (uncheck to pause the hook)
      </label>
      <fieldset className="field fieldset">
        <legend>Custom headers</legend>
        {initial?.customHeaderNames?.length ? (
          <span className="muted small">
            Current: {initial.customHeaderNames.join(', ')}. Headers entered here replace them all; none entered keeps
            them.
          </span>
        ) : null}
        {initial?.customHeaderNames?.length ? (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={removeHeaders}
              onChange={(event) => setRemoveHeaders(event.target.checked)}
            />{' '}
            Remove the current headers
          </label>
        ) : null}
        {headers.map((h, i) => (
          <div key={i} className="header-row">
            <input
              type="text"
              aria-label={`Header name ${i + 1}`}
              placeholder="Header name"
              maxLength={255}
              value={h.key}
              onChange={(event) => setHeader(i, 'key', event.target.value)}
            />
            <input
              type="text"
              aria-label={`Header value ${i + 1}`}
              placeholder="Value"
              maxLength={2048}
              value={h.value}
              onChange={(event) => setHeader(i, 'value', event.target.value)}
            />
            <button
              type="button"
              className="btn btn-sm"
              aria-label={`Remove header ${i + 1}`}
              onClick={() => setHeaders((hs) => hs.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <div>
          <button
            type="button"
            className="btn btn-sm"
            disabled={headers.length >= MAX_CUSTOM_HEADERS}
            onClick={() => setHeaders((hs) => [...hs, { key: '', value: '' }])}
          >
            Add header
          </button>{' '}
          {headers.length >= MAX_CUSTOM_HEADERS ? (
            <span className="muted small">At most {MAX_CUSTOM_HEADERS} headers.</span>
          ) : null}
        </div>
      </fieldset>
      <ErrorAlert message={error} />
      {formId ? null : (
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : submitLabel}
          </button>
        </div>
      )}
    </form>
  );
}
