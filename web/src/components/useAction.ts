import { useState, type FormEvent } from 'react';

/**
 * One action at a time on a page or panel: `run` marks it busy, clears the last error, runs `work`
 * (after `event.preventDefault()` when a form submits it) and keeps what it threw for `ErrorNotice`.
 */
export function useAction(): { busy: boolean; error: unknown; run: (work: () => Promise<void>, event?: FormEvent) => Promise<void> } {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>, event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  };
  return { busy, error, run };
}
