import { Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { FailedJobs } from '../../failed/failed-jobs.service';
import type { DashboardJob, JobListResponse, RetryResponse } from '../dashboard-api.types';
import { JOB_RECORDS_READER } from '../dashboard.constants';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';
import { FailedRetrier } from '../http/failed-retrier';
import { failedRecordView, jobListView, jobView } from '../http/job-view';
import { pageQuery } from '../http/page-query';
import { StateChanging } from '../http/state-changing.decorator';
import type { JobRecordsReader } from '../job-records.interface';

/** `GET jobs/failed` (`?tag=`), `GET jobs/failed/:id`, `POST jobs/retry/:id` (Horizon's FailedJobs and Retry controllers). */
@UseGuards(DashboardAccessGuard)
export class FailedController {
  constructor(
    @Inject(JOB_RECORDS_READER) private readonly records: JobRecordsReader,
    private readonly failed: FailedJobs,
    private readonly retrier: FailedRetrier,
  ) {}

  @Get('jobs/failed')
  async index(@Query('starting_at') startingAt?: string, @Query('limit') limit?: string, @Query('tag') tag?: string): Promise<JobListResponse> {
    const page = pageQuery(startingAt, limit);
    const wanted = typeof tag === 'string' && tag.trim() !== '' ? tag.trim() : undefined;
    return jobListView(await this.records.failed({ ...page, ...(wanted ? { tag: wanted } : {}) }), page.startingAt);
  }

  @Get('jobs/failed/:id')
  async show(@Param('id') id: string): Promise<DashboardJob> {
    const record = await this.records.find(id);
    if (record) return jobView(record);
    const stored = await this.failed.find(id);
    if (stored) return failedRecordView(stored);
    throw new NotFoundException(`No failed job with id "${id}".`);
  }

  @Post('jobs/retry/:id')
  @HttpCode(200)
  @StateChanging()
  async retry(@Param('id') id: string): Promise<RetryResponse> {
    const retried = await this.retrier.retry([id]);
    if (retried.length === 0) throw new NotFoundException(`No failed job with id "${id}" to retry (already retried, or forgotten).`);
    return { retried };
  }
}
