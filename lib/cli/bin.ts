#!/usr/bin/env node
import 'reflect-metadata';
import { runQueueCli } from './run-queue-cli';
import { exitWhenFlushed } from './bootstrap-queue-cli';

// `nestjs-queue [--app <path>#<ExportName>] <command>`: the app module comes from --app or QUEUE_APP.
void runQueueCli({ argv: process.argv.slice(2) }).then(exitWhenFlushed, (error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitWhenFlushed(1);
});
