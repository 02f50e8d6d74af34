import { useState, type FormEvent } from 'react';
import { endOfDayUTC, isoDateFromToday } from './format';
import { ErrorAlert } from './States';

/**
 * An "add" form for things that have a name and an optional expiry date
 * (personal access tokens, trigger tokens). `onCreate` gets the trimmed name
 * and the end of the chosen day in UTC (or null) and resolves to an error
 * message or null; on success the form clears.
 */
export function CreateWithExpiryForm({
  heading,
  name,
  expires,
  submitLabel,
  onCreate,
}: {
  /** The form's heading: an h2 (`section-title`) or h3 (`subsection-title`) that labels it. */
  heading: { id: string; level: 2 | 3; text: string };
  name: { id: string; label: string; placeholder?: string };
  /** `maxDays`: how far ahead the date may be; `help`: a note under the date input. */
  expires: { id: string; maxDays?: number; help?: string };
  submitLabel: string;
  onCreate: (name: string, expiresAt: string | null) => Promise<string | null>;
}) {
  const [value, setValue] = useState('');
  const [expiry, setExpiry] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !value.trim()) return;
    setBusy(true);
    setError(null);
    const failure = await onCreate(value.trim(), expiry ? endOfDayUTC(expiry) : null);
    setBusy(false);
    if (failure) setError(failure);
    else {
      setValue('');
      setExpiry('');
    }
  }

  const Heading = heading.level === 2 ? 'h2' : 'h3';
  const helpId = expires.help ? `${expires.id}-help` : undefined;
  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby={heading.id}>
      <Heading id={heading.id} className={heading.level === 2 ? 'section-title' : 'subsection-title'}>
        {heading.text}
      </Heading>
      <div className="field">
        <label htmlFor={name.id}>{name.label}</label>
        <input
          id={name.id}
          type="text"
          required
          maxLength={255}
          placeholder={name.placeholder}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={expires.id}>
          Expiration date <span className="muted">(optional)</span>
        </label>
        <input
          id={expires.id}
          type="date"
          min={isoDateFromToday(1)}
          max={expires.maxDays ? isoDateFromToday(expires.maxDays) : undefined}
          value={expiry}
          aria-describedby={helpId}
          onChange={(event) => setExpiry(event.target.value)}
        />
        {expires.help ? (
          <span id={helpId} className="muted small">
            {expires.help}
          </span>
        ) : null}
      </div>
      <ErrorAlert message={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
