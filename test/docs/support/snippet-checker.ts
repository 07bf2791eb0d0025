import * as ts from 'typescript';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ImportTable, Snippet, SnippetModule, toModule } from './markdown-snippets';
import { README_APP_DECLARATIONS, THIRD_PARTY_NAMES } from './readme-app';

/** One snippet after type-checking: where its module was written and what the compiler said, README-located. */
export interface CheckedSnippet {
  module: SnippetModule;
  fileName: string;
  /** `README.md:42:7 TS2345: ...` lines; empty when the snippet compiles. */
  diagnostics: string[];
}

export interface SnippetCheck {
  dir: string;
  /** Problems of the shared declarations themselves or of the compiler options (must be none). */
  setupDiagnostics: string[];
  results: CheckedSnippet[];
}

/**
 * Writes each snippet as a module into a fresh temp dir beside the shared declarations and type-checks them all in
 * one strict program built from the project's tsconfig.json, with `nestjs-queue` and `nestjs-queue/testing`
 * mapped to lib/ through `paths`.
 */
export function checkSnippets(root: string, snippets: Snippet[]): SnippetCheck {
  const dir = mkdtempSync(join(tmpdir(), 'readme-snippets-'));
  const options = compilerOptions(root, dir);
  const host = ts.createCompilerHost(options, true);

  const libProgram = ts.createProgram([join(root, 'lib/index.ts'), join(root, 'lib/testing/index.ts')], options, host);
  const table: ImportTable = [
    { module: 'nestjs-queue', names: exportedNames(libProgram, join(root, 'lib/index.ts')) },
    { module: 'nestjs-queue/testing', names: exportedNames(libProgram, join(root, 'lib/testing/index.ts')) },
    ...THIRD_PARTY_NAMES.map(({ module, names }) => ({ module, names: new Set(names) })),
  ];

  const declarationsFile = join(dir, 'readme-app.d.ts');
  writeFileSync(declarationsFile, README_APP_DECLARATIONS);
  // A whole-file block is written under the name it gives (`// app.module.ts`), so blocks of one markdown file
  // can import each other as a reader's files do (`import { AppModule } from './app.module'`).
  const named = new Map<string, number>();
  for (const snippet of snippets) {
    const name = wholeFileName(snippet);
    if (name) named.set(`${snippet.file}/${name}`, (named.get(`${snippet.file}/${name}`) ?? 0) + 1);
  }
  const modules = snippets.map((snippet, i) => {
    const module = toModule(snippet, table);
    const name = wholeFileName(snippet);
    const unique = name !== null && named.get(`${snippet.file}/${name}`) === 1;
    const fileName = unique
      ? join(dir, 'files', snippet.file.replace(/[^\w.-]/g, '_'), name)
      : join(dir, `snippet-${String(i + 1).padStart(2, '0')}-line-${snippet.line}.ts`);
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, module.text + '\n');
    return { module, fileName };
  });

  const program = ts.createProgram([declarationsFile, ...modules.map((m) => m.fileName)], options, host, libProgram);
  const declarations = program.getSourceFile(declarationsFile);
  const setupDiagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...(declarations ? [...program.getSyntacticDiagnostics(declarations), ...program.getSemanticDiagnostics(declarations)] : []),
  ].map((d) => `${d.file ? `${d.file.fileName}:` : ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  if (!declarations) setupDiagnostics.push(`${declarationsFile} was not loaded`);

  const results = modules.map(({ module, fileName }) => {
    const source = program.getSourceFile(fileName);
    if (!source) return { module, fileName, diagnostics: [`${fileName} was not loaded`] };
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    return { module, fileName, diagnostics: diagnostics.map((d) => locate(d, module, source)) };
  });
  return { dir, setupDiagnostics, results };
}

/** `app.module.ts` for a block whose first line is `// app.module.ts` (or `// src/app.module.ts`), else null. */
function wholeFileName(snippet: Snippet): string | null {
  const match = /^\/\/\s*([\w./-]+\.ts)\b/.exec(snippet.code.split('\n')[0] ?? '');
  return match ? basename(match[1]) : null;
}

function compilerOptions(root: string, dir: string): ts.CompilerOptions {
  const configFile = join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configFile);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    rootDir: undefined,
    outDir: undefined,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    baseUrl: dir,
    paths: {
      'nestjs-queue': [join(root, 'lib/index.ts')],
      'nestjs-queue/testing': [join(root, 'lib/testing/index.ts')],
      'nestjs-queue/dashboard': [join(root, 'lib/dashboard/index.ts')],
      '*': [join(root, 'node_modules/*')],
    },
    typeRoots: [join(root, 'node_modules/@types')],
    // A test file (`// app.module.spec.ts`) uses jest's globals, as in a `nest new` app.
    types: ['node', 'jest'],
  };
}

function exportedNames(program: ts.Program, fileName: string): Set<string> {
  const source = program.getSourceFile(fileName);
  const checker = program.getTypeChecker();
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) throw new Error(`cannot read the exports of ${fileName}`);
  return new Set(checker.getExportsOfModule(symbol).map((s) => s.name));
}

/** `README.md:42:7 TS2345: message`, or the generated line when the wrapper itself is at fault. */
function locate(diagnostic: ts.Diagnostic, module: SnippetModule, source: ts.SourceFile): string {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  if (diagnostic.start === undefined) return `${module.snippet.file}:${module.snippet.line} ${message}`;
  const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start);
  const origin = module.origins[line];
  if (origin !== null && origin !== undefined) return `${module.snippet.file}:${origin}:${character + 1} ${message}`;
  const generated = module.text.split('\n')[line];
  return `${module.snippet.file}:${module.snippet.line} (added line "${generated.trim()}") ${message}`;
}
