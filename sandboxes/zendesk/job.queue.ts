import { randomBytes } from 'node:crypto';

/**
 * Background jobs of the bulk endpoints (`create_many`, `update_many`, `create_or_update_many`). Zendesk runs them
 * asynchronously and answers `{"job_status": {…}}`; status goes queued → working → completed (or failed), and
 * `results` lists one entry per item (job_statuses page [V]). Here a job advances one state per
 * `GET /job_statuses/{id}` and does its writes when it completes, after `pollsToComplete` polls, so a client that
 * does not poll sees nothing written, as with a real queue that has not run yet.
 */
export type JobState = 'queued' | 'working' | 'completed' | 'failed';

export interface JobStatus {
  id: string;
  url: string;
  job_type: string;
  status: JobState;
  total: number;
  progress: number | null;
  message: string | null;
  results: unknown[] | null;
}

interface Job {
  status: JobStatus;
  polls: number;
  run: () => unknown[];
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly pollsToComplete: () => number,
    private readonly failNow: () => boolean,
  ) {}

  clear(): void {
    this.jobs.clear();
  }

  get size(): number {
    return this.jobs.size;
  }

  enqueue(jobType: string, total: number, run: () => unknown[]): JobStatus {
    const id = randomBytes(16).toString('hex');
    const status: JobStatus = {
      id,
      url: `${this.baseUrl()}/api/v2/job_statuses/${id}.json`,
      job_type: jobType,
      status: 'queued',
      total,
      progress: null,
      message: null,
      results: null,
    };
    const job = { status, polls: 0, run };
    this.jobs.set(id, job);
    if (this.pollsToComplete() === 0) this.finish(job);
    return { ...status };
  }

  /** Reads a job, advancing it one step; undefined for an unknown id. */
  poll(id: string): JobStatus | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status.status === 'queued' || job.status.status === 'working') {
      job.polls++;
      if (job.polls >= this.pollsToComplete()) this.finish(job);
      else {
        job.status.status = 'working';
        job.status.progress = 0;
        job.status.message = `Processing ${job.status.total} items`;
      }
    }
    return { ...job.status };
  }

  private finish(job: Job): void {
    if (this.failNow()) {
      job.status.status = 'failed';
      job.status.message = 'Job failed: an internal error occurred';
      job.status.results = [];
      return;
    }
    const results = job.run();
    job.status.status = 'completed';
    job.status.progress = job.status.total;
    job.status.message = `Completed at ${new Date().toISOString()}`;
    job.status.results = results;
  }
}
