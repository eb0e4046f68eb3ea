import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JOB_STATUSES, listJobsByStatus } from '../platform/jobs/index.js';

const admin = { apiKeyScope: 'admin' as const };

/**
 * Back-office automation, authenticated with the admin API key. For now: the job queue, so that
 * staff can see parked jobs (the back-office issue grows this into staff, roles and audit).
 */
export function adminRoutes(): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/admin/jobs', {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'Jobs by status (parked jobs need a person)',
        security: [{ apiKey: [] }],
        querystring: z.object({ status: z.enum(JOB_STATUSES).default('parked'), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
        response: {
          200: z.object({
            jobs: z.array(z.object({ id: z.string(), kind: z.string(), status: z.string(), attempts: z.number(), runAt: z.string(), lastError: z.string().nullable() })),
          }),
        },
      },
    }, async (request) => {
      const rows = await listJobsByStatus(app.roamline.ctx.database.db, request.query.status, request.query.limit);
      return { jobs: rows.map((r) => ({ id: r.id, kind: r.kind, status: r.status, attempts: r.attempts, runAt: new Date(r.run_at).toISOString(), lastError: r.last_error })) };
    });
  };
}
