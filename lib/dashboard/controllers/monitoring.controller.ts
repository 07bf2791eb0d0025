import { BadRequestException, Body, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { JobListResponse, MonitoringResponse, MonitorTagResponse } from '../dashboard-api.types';
import { JOB_RECORDS_READER } from '../dashboard.constants';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';
import { jobListView } from '../http/job-view';
import { pageQuery } from '../http/page-query';
import { StateChanging } from '../http/state-changing.decorator';
import type { JobRecordsReader } from '../job-records.interface';

const MAX_TAG_LENGTH = 255;

/** `GET monitoring`, `POST monitoring` (`{ tag }`), `GET monitoring/:tag`, `DELETE monitoring/:tag` (Horizon's MonitoringController). */
@UseGuards(DashboardAccessGuard)
export class MonitoringController {
  constructor(@Inject(JOB_RECORDS_READER) private readonly records: JobRecordsReader) {}

  @Get('monitoring')
  async index(): Promise<MonitoringResponse> {
    return (await this.records.monitored()).map(({ tag, count }) => ({ tag, count })).sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  }

  @Post('monitoring')
  @HttpCode(200)
  @StateChanging()
  async store(@Body() body: unknown): Promise<MonitorTagResponse> {
    const tag = checkTag(body && typeof body === 'object' ? (body as { tag?: unknown }).tag : undefined);
    await this.records.monitor(tag);
    return { tag };
  }

  @Get('monitoring/:tag')
  async jobs(@Param('tag') tag: string, @Query('starting_at') startingAt?: string, @Query('limit') limit?: string): Promise<JobListResponse> {
    const page = pageQuery(startingAt, limit, 25);
    return jobListView(await this.records.byTag(checkTag(tag), page), page.startingAt);
  }

  @Delete('monitoring/:tag')
  @HttpCode(200)
  @StateChanging()
  async destroy(@Param('tag') tag: string): Promise<MonitorTagResponse> {
    const name = checkTag(tag);
    await this.records.stopMonitoring(name);
    return { tag: name };
  }
}

function checkTag(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TAG_LENGTH) {
    throw new BadRequestException(`A tag must be a non-empty string of at most ${MAX_TAG_LENGTH} characters, e.g. { "tag": "user:42" }`);
  }
  return value.trim();
}
