import net from 'node:net';
import { afterAll } from 'vitest';

/**
 * Tests talk only to servers on this machine: PostgreSQL, SMTP/SMPP test servers, and the local
 * servers that speak each payment provider's protocol. Loaded as a vitest setup file in every
 * worker, this refuses any TCP connection to an address that is not loopback (the socket fails as
 * an unreachable host would) and fails the test file afterwards, so that a provider SDK that
 * swallows the error (an "unknown outcome") cannot hide it. The PostgreSQL server named by
 * `TEST_DATABASE_URL` is allowed wherever it runs.
 */
const allowedHosts = new Set<string>(['localhost']);
const external = process.env.TEST_DATABASE_URL;
if (external !== undefined && external !== '') {
  try {
    allowedHosts.add(new URL(external).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    // An unreadable URL is reported by the global setup.
  }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  // 0.0.0.0 and :: as a destination mean this host on Linux (a server listening on all addresses).
  return allowedHosts.has(h) || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || /^::ffff:127(\.\d{1,3}){3}$/.test(h)
    || h.endsWith('.localhost') || h === '0.0.0.0' || h === '::';
}

const violations: string[] = [];
const originalConnect = net.Socket.prototype.connect;

/** The TCP destination of `socket.connect(...)`'s arguments, undefined for a Unix socket or pipe. */
function destinationOf(args: unknown[]): { host: string; port: unknown } | undefined {
  // net.connect() passes its already normalized arguments as one array: [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { path?: unknown; host?: unknown; port?: unknown };
    if (options.path !== undefined && options.path !== null) return undefined;
    return { host: typeof options.host === 'string' ? options.host : 'localhost', port: options.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined;
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first };
}

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const destination = destinationOf(args);
  if (destination !== undefined && !isLoopbackHost(destination.host)) {
    const target = `${destination.host}:${String(destination.port)}`;
    violations.push(target);
    const error = Object.assign(new Error(`network guard: tests may not connect to ${target} (loopback only)`), { code: 'EHOSTUNREACH' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

/** The refused destinations so far, forgotten (the guard's own test uses it). */
export function drainViolations(): string[] {
  return violations.splice(0, violations.length);
}

afterAll(() => {
  if (violations.length > 0) {
    const list = [...new Set(violations)].join(', ');
    violations.length = 0;
    throw new Error(`network guard: this test file tried to reach ${list}; tests may only use loopback servers`);
  }
});
