import { SetMetadata } from '@nestjs/common';
import { STATE_CHANGING } from '../dashboard.constants';

/** Marks a route that changes state: it needs a same-origin request with the dashboard's token. */
export const StateChanging = (): MethodDecorator => SetMetadata(STATE_CHANGING, true);
