import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DASHBOARD_TOKEN_HEADER } from '../dashboard-api.types';
import { DASHBOARD_OPTIONS, STATE_CHANGING } from '../dashboard.constants';
import type { DashboardHttpRequest } from '../dashboard-options.interface';
import { DashboardSettings, OPEN_ENVIRONMENTS, tokenMatches } from '../dashboard-settings';
import { crossSiteProblem } from './cross-site';

/**
 * Every dashboard route passes here. Who: `authorize(request)` when given (every environment), else only when
 * NODE_ENV is development or local (read per request, as Horizon reads the app's environment). Routes marked
 * state-changing also need a same-origin request carrying the dashboard's token.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  constructor(
    @Inject(DASHBOARD_OPTIONS) private readonly settings: DashboardSettings,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<DashboardHttpRequest>();
    if (!(await this.allowed(request))) {
      throw new ForbiddenException(
        this.settings.authorize
          ? 'The dashboard refused this request (its authorize function said no).'
          : 'The dashboard is closed outside NODE_ENV=development or local: give QueueDashboardModule.forRoot() an authorize function.',
      );
    }
    if (this.reflector.get<boolean>(STATE_CHANGING, context.getHandler())) {
      const problem = crossSiteProblem(request.headers) ?? (tokenMatches(request.headers[DASHBOARD_TOKEN_HEADER], this.settings.token) ? null : `it lacks the dashboard's ${DASHBOARD_TOKEN_HEADER} header`);
      if (problem) throw new ForbiddenException(`The dashboard refused to change state: ${problem}.`);
    }
    return true;
  }

  private async allowed(request: DashboardHttpRequest): Promise<boolean> {
    if (this.settings.authorize) return (await this.settings.authorize(request)) === true;
    return OPEN_ENVIRONMENTS.includes((process.env.NODE_ENV ?? '').trim());
  }
}
