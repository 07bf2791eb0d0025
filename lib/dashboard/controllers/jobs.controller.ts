import { Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import type { DashboardJob, JobListResponse } from '../dashboard-api.types';
import { JOB_RECORDS_READER } from '../dashboard.constants';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';
import { jobListView, jobView } from '../http/job-view';
import { pageQuery } from '../http/page-query';
import type { JobRecordsReader } from '../job-records.interface';
import { WaitingJobFinder } from '../records/waiting-job-finder';

/** `GET jobs/pending`, `jobs/completed`, `jobs/silenced`, `jobs/:id` (Horizon's Pending, Completed, Silenced and Jobs controllers). */
@UseGuards(DashboardAccessGuard)
export class JobsController {
  constructor(
    @Inject(JOB_RECORDS_READER) private readonly records: JobRecordsReader,
    private readonly waiting: WaitingJobFinder,
  ) {}

  @Get('jobs/pending')
  async pending(@Query('starting_at') startingAt?: string, @Query('limit') limit?: string): Promise<JobListResponse> {
    const page = pageQuery(startingAt, limit);
    return jobListView(await this.records.pending(page), page.startingAt);
  }

  @Get('jobs/completed')
  async completed(@Query('starting_at') startingAt?: string, @Query('limit') limit?: string): Promise<JobListResponse> {
    const page = pageQuery(startingAt, limit);
    return jobListView(await this.records.completed(page), page.startingAt);
  }

  @Get('jobs/silenced')
  async silenced(@Query('starting_at') startingAt?: string, @Query('limit') limit?: string): Promise<JobListResponse> {
    const page = pageQuery(startingAt, limit);
    return jobListView(await this.records.silenced(page), page.startingAt);
  }

  @Get('jobs/:id')
  async show(@Param('id') id: string): Promise<DashboardJob> {
    // A job that ended (or is monitored, or a retry) has a record; any other waiting job is looked up in its queue.
    const record = (await this.records.find(id)) ?? (await this.waiting.find(id));
    if (!record) {
      throw new NotFoundException(
        `No job with id "${id}": no record (records of jobs that ended are kept for horizon.trim minutes) and not found waiting in its queue ` +
          '(a waiting job is looked up near where its id sorts: if it was released or delayed long ago, find it in jobs/pending).',
      );
    }
    return jobView(record);
  }
}
