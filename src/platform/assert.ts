/**
 * Assertions guard programmer errors only. They are never caught for control flow; the error
 * handler turns them into a generic 500 and a log line, never a leaked message.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, message = 'unexpected value'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
