export * from './jobs.js';
export { enqueueJob, JobRunner, type JobRunnerOptions } from './jobs.service.js';
export { listJobsByStatus, type JobRow } from './jobs.repository.js';
