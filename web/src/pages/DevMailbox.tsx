import { useState } from 'react';
import { useOutbox } from '../api/queries';
import { Field } from '../components/Field';
import { QueryState } from '../components/Status';
import { formatDateTime } from '../lib/format';
import { useLocale } from '../lib/locale';

/** Development only: the SMS and e-mails the outbox kept instead of sending. */
export default function DevMailbox() {
  const { t, locale } = useLocale();
  const [to, setTo] = useState('');
  const outbox = useOutbox(to.trim());
  return (
    <section>
      <h1>{t('mailbox.title')}</h1>
      <p className="lead">{t('mailbox.lead')}</p>
      <Field label={t('mailbox.recipient')} type="search" name="to" value={to} onChange={(event) => setTo(event.target.value)} />
      <QueryState isPending={outbox.isPending} error={outbox.error}>
        {() => (outbox.data?.length ?? 0) === 0 ? <p className="muted">{t('mailbox.empty')}</p> : (
          <ul className="stack plain">
            {(outbox.data ?? []).map((message) => (
              <li key={message.id} className="card message">
                <p className="muted">
                  <span className="badge">{message.channel === 'sms' ? 'SMS' : t('mailbox.email')}</span> {message.to} · {formatDateTime(message.createdAt, locale)}
                </p>
                {message.subject ? <h2 className="message-subject">{message.subject}</h2> : null}
                <pre className="message-body" lang={message.language}>{message.body}</pre>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
