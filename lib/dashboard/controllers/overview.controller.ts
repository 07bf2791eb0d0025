import { Get, UseGuards } from '@nestjs/common';
import { HorizonState } from '../../supervisor/horizon-state';
import type { DashboardStats, MastersResponse, WorkloadResponse } from '../dashboard-api.types';
import { DashboardAccessGuard } from '../http/dashboard-access.guard';
import { DashboardStatsReader } from '../http/dashboard-stats';

/** `GET stats`, `GET workload`, `GET masters` (Horizon's DashboardStats, Workload and MasterSupervisor controllers). */
@UseGuards(DashboardAccessGuard)
export class OverviewController {
  constructor(
    private readonly horizon: HorizonState,
    private readonly statsReader: DashboardStatsReader,
  ) {}

  @Get('stats')
  stats(): Promise<DashboardStats> {
    return this.statsReader.stats();
  }

  @Get('workload')
  async workload(): Promise<WorkloadResponse> {
    return (await this.horizon.workload()).map(({ name, connection, queue, length, processes, wait }) => ({ name, connection, queue, length, processes, wait }));
  }

  @Get('masters')
  async masters(): Promise<MastersResponse> {
    const out: MastersResponse = {};
    const masters = [...(await this.horizon.masters())].sort((a, b) => a.name.localeCompare(b.name));
    for (const m of masters) {
      out[m.name] = {
        name: m.name,
        host: m.host,
        pid: m.pid,
        environment: m.environment,
        status: m.status,
        startedAt: m.startedAt,
        memory: m.memory,
        supervisors: [...m.supervisors]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((s) => ({ name: s.name, master: m.name, connection: s.connection, queues: [...s.queues], balance: s.balance, status: s.status, processes: { ...s.processes }, pids: [...s.pids] })),
      };
    }
    return out;
  }
}
