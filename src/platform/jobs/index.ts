export * from './jobs.js';
export { enqueueJob, enqueueJobs, sqliteEnqueueStatement, JobRunner, type JobRunnerOptions } from './jobs.service.js';
export { cancelQueuedJobs, listJobsByStatus, requeueParkedJob, type JobRow } from './jobs.repository.js';
