import type { Provider } from '@nestjs/common';

export const batchProviders: Provider[] = [];
export const batchExports: Provider[] = [];
