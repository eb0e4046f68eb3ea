import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  readonly label: string;
  readonly hint?: ReactNode;
  readonly error?: string | undefined;
}

/** A labelled input with its hint and error tied to it for screen readers. */
export function Field({ label, hint, error, className, ...input }: FieldProps) {
  const id = useId();
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const errorId = error === undefined ? undefined : `${id}-error`;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={describedBy} aria-invalid={error === undefined ? undefined : true} {...input} />
      {hint === undefined ? null : <p className="hint" id={hintId}>{hint}</p>}
      {error === undefined ? null : <p className="field-error" id={errorId}>{error}</p>}
    </div>
  );
}

interface SelectFieldProps {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly options: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly hint?: string;
  readonly name?: string;
  readonly autoComplete?: string;
}

export function SelectField({ label, value, onChange, options, hint, name, autoComplete }: SelectFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} autoComplete={autoComplete} value={value} onChange={(event) => onChange(event.target.value)} aria-describedby={hint === undefined ? undefined : `${id}-hint`}>
        {options.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
      </select>
      {hint === undefined ? null : <p className="hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}
