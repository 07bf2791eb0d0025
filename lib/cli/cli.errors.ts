import { QueueError } from '../errors';

/** A CLI failure the user can fix: printed as one line on stderr, exit code 1. */
export class CliError extends QueueError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Neither `--app` nor `QUEUE_APP` says which module to load. */
export class CliAppMissingError extends CliError {
  constructor() {
    super('No app module given: pass --app <path to compiled module>#<ExportName> (e.g. --app dist/app.module.js#AppModule) or set QUEUE_APP.');
  }
}

/** The `--app` file could not be found or loaded. */
export class CliAppNotFoundError extends CliError {
  constructor(path: string, spec: string, reason?: string) {
    super(
      reason
        ? `Could not load the app module file ${path} (from "${spec}"): ${reason}`
        : `No app module file at ${path} (from "${spec}"): build your app first, or fix the path (it is resolved from the current directory).`,
    );
  }
}

/** `--app` names a TypeScript source: Node cannot load it, the CLI loads the compiled module. */
export class CliAppTypeScriptError extends CliError {
  constructor(path: string, compiled?: string) {
    super(
      `${path} is a TypeScript file; the CLI loads your compiled app. Compile first (npm run build), then pass the compiled module: ` +
        (compiled ? `--app ${compiled}` : '--app dist/app.module.js#AppModule (the path under your outDir)') + '.',
    );
  }
}

/** The `--app` file has no such export, or the export is not a Nest module class. */
export class CliAppExportError extends CliError {
  constructor(path: string, exportName: string, available: string[], problem = 'has no export named') {
    const list = available.length ? available.join(', ') : 'none';
    super(`${path} ${problem} "${exportName}" (its exports: ${list}); pass --app <path>#<ExportName> naming your app module.`);
  }
}

/** The loaded module does not import QueueModule. */
export class CliQueueModuleMissingError extends CliError {
  constructor(moduleName: string) {
    super(`The app module ${moduleName} does not import QueueModule: add QueueModule.forRoot(...) to its imports.`);
  }
}
