import { BadRequestException, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { BatchRepository } from '../../batches/batch-repository.token';
import type { BatchDetailResponse, BatchListResponse, BatchRetryResponse, DashboardJob } from '../dashboard-api.types';
import { JOB_RECORDS_READER } from '../dashboard.constants';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';
import { FailedRetrier } from '../http/failed-retrier';
import { batchView, jobView } from '../http/job-view';
import { StateChanging } from '../http/state-changing.decorator';
import type { JobRecordsReader } from '../job-records.interface';

export const BATCHES_PER_PAGE = 50;

/** `GET batches` (`?before_id=`), `GET batches/:id`, `POST batches/retry/:id` (Horizon's BatchesController). */
@UseGuards(DashboardAccessGuard)
export class BatchesController {
  constructor(
    private readonly batches: BatchRepository,
    @Inject(JOB_RECORDS_READER) private readonly records: JobRecordsReader,
    private readonly retrier: FailedRetrier,
  ) {}

  @Get('batches')
  async index(@Query('before_id') beforeId?: string): Promise<BatchListResponse> {
    if (beforeId !== undefined && typeof beforeId !== 'string') throw new BadRequestException('?before_id= must be one batch id');
    const list = await this.batches.get(BATCHES_PER_PAGE, beforeId || undefined);
    return { batches: list.map(batchView) };
  }

  @Get('batches/:id')
  async show(@Param('id') id: string): Promise<BatchDetailResponse> {
    const batch = await this.batches.find(id);
    if (!batch) throw new NotFoundException(`No batch with id "${id}".`);
    const found = await Promise.all(batch.failedJobIds.map((jobId) => this.records.find(jobId)));
    const failedJobs: DashboardJob[] = found.flatMap((r) => (r ? [jobView(r)] : []));
    return { batch: batchView(batch), failedJobs };
  }

  @Post('batches/retry/:id')
  @HttpCode(200)
  @StateChanging()
  async retry(@Param('id') id: string): Promise<BatchRetryResponse> {
    const batch = await this.batches.find(id);
    if (!batch) throw new NotFoundException(`No batch with id "${id}".`);
    return { retried: await this.retrier.retry(batch.failedJobIds) };
  }
}
