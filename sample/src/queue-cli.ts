import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapQueueCli } from '../../lib';
import { AppModule } from './app.module';
import type { SampleSettings } from './config/sample-settings';

/**
 * The sample's own queue CLI (`node queue-cli.js supervise --environment=local`, `status`, ...): the app module
 * with the settings of the run that started it (SAMPLE_SETTINGS_JSON), as an app's `src/queue-cli.ts` would be.
 * `supervise` starts its worker processes through this same file.
 */
const settings = JSON.parse(process.env.SAMPLE_SETTINGS_JSON ?? 'null') as SampleSettings | null;
if (!settings) {
  process.stderr.write('SAMPLE_SETTINGS_JSON is not set: run the sample with `npm run sample`.\n');
  process.exit(1);
}

@Module({ imports: [AppModule.register(settings)] })
class SampleCliModule {}

void bootstrapQueueCli(SampleCliModule);
