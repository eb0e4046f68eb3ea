import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../platform/errors.js';
import { JOB_STATUSES, listJobsByStatus, requeueParkedJob } from '../platform/jobs/index.js';

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

    app.post('/admin/jobs/:id/retry', {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'Put a parked job back in the queue, to run now with a fresh set of attempts (after the cause was fixed)',
        security: [{ apiKey: [] }],
        params: z.object({ id: z.string().regex(/^job_[0-9A-Z]{26}$/, 'job id') }).strict(),
        response: { 202: z.object({ status: z.literal('queued') }) },
      },
    }, async (request, reply) => {
      const { database, clock } = app.roamline.ctx;
      if (!(await requeueParkedJob(database.db, request.params.id, clock.nowMs()))) throw new NotFoundError('parked job');
      return reply.code(202).send({ status: 'queued' as const });
    });
  };
}
