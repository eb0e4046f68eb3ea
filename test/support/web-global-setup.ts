import { ensureWebBuilt } from '../../scripts/web-build.mjs';

/**
 * Builds the portal (web/dist) once per run when it is missing or older than web/src, before any
 * test file builds an app: `buildApp` serves web/dist only when it exists. It takes a second or two,
 * and nothing when the build is fresh.
 */
export default function setup(): void {
  if (ensureWebBuilt({ quiet: true })) console.log('[roamline tests] built the portal (web/dist)');
}
