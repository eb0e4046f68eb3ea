import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';

/** The message for an error, in the reader's language, chosen by the API's stable `code`. */
export function useErrorText(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return (error: unknown) => {
    if (!isApiError(error)) return t('clientErrors.unexpected');
    if (error.code.startsWith('client.')) return t(`clientErrors.${error.code.slice('client.'.length)}`, { defaultValue: t('clientErrors.unexpected') });
    if (i18n.exists(`errors.${error.code}`)) {
      return t(`errors.${error.code}`, { seconds: error.retryAfterSeconds ?? 60 });
    }
    // A code newer than this build of the portal: say what kind of failure it is.
    return error.status >= 500 ? t('clientErrors.server') : t('clientErrors.unexpected');
  };
}

/** Field errors from `errors[]` ("body.contact") get the field's label and a translated reason. */
function FieldErrors({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  if (!isApiError(error) || error.errors.length === 0) return null;
  return (
    <ul className="error-fields">
      {error.errors.map((field) => {
        const name = field.path.split('.').at(-1) ?? field.path;
        const label = i18n.exists(`fields.${name}`) ? t(`fields.${name}`) : name;
        return <li key={field.path}>{t('clientErrors.fieldInvalid', { field: label })}</li>;
      })}
    </ul>
  );
}

/** An alert with the translated message; nothing when there is no error. */
export function ErrorNotice({ error, id }: { error: unknown; id?: string }) {
  const text = useErrorText();
  if (error === null || error === undefined) return null;
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p>{text(error)}</p>
      <FieldErrors error={error} />
    </div>
  );
}
