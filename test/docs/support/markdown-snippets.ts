import * as ts from 'typescript';

/** One ```ts block of a markdown file. */
export interface Snippet {
  /** The markdown file, relative to the repository (for messages). */
  file: string;
  /** 1-based line of the block's first code line in `file`. */
  line: number;
  /** The code between the fences. */
  code: string;
}

/** A snippet turned into a module: its text, and for each of its lines the markdown line it came from (or null). */
export interface SnippetModule {
  snippet: Snippet;
  /** How the snippet was compiled, for messages: 'whole file', 'module excerpt' or 'method body'. */
  kind: 'whole file' | 'module excerpt' | 'method body';
  text: string;
  origins: (number | null)[];
}

/** Names a snippet may use without importing them, by the module that exports them (first module wins). */
export type ImportTable = ReadonlyArray<{ module: string; names: ReadonlySet<string> }>;

const OPEN = /^```(ts|typescript)\s*$/;
const CLOSE = /^```\s*$/;
const FILE_NAME_COMMENT = /^\/\/\s*[\w./-]+\.ts\b/;

/** Every ```ts (or ```typescript) block of a markdown text, with the line its code starts on. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!OPEN.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !CLOSE.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: a \`\`\`ts block is never closed`);
    snippets.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return snippets;
}

/**
 * The rules by which a README block becomes a module (documented in readme-snippets.spec.ts):
 * 1. A block whose first line names a file (`// app.module.ts`) is a whole file: compiled exactly as written.
 * 2. Any other block is an excerpt: it gets imports for the names it uses but neither imports nor declares,
 *    looked up in `imports` (nestjs-queue, nestjs-queue/testing, and a few Nest/knex names).
 * 3. An excerpt with `await` or `this` outside any function is code from inside a method: everything but its
 *    import lines becomes the body of `async run(): Promise<void>` in a class whose constructor takes
 *    `private readonly bus: Bus` (so `this.bus` is the injected Bus, as in a service).
 * Lines are never rewritten or re-indented, so every line maps back to its markdown line.
 */
export function toModule(snippet: Snippet, imports: ImportTable): SnippetModule {
  const source = ts.createSourceFile('snippet.ts', snippet.code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const codeLines = snippet.code.split('\n');
  const text: string[] = [];
  const origins: (number | null)[] = [];
  const push = (line: string, origin: number | null): void => {
    text.push(line);
    origins.push(origin);
  };

  const wholeFile = FILE_NAME_COMMENT.test(codeLines[0] ?? '');
  if (!wholeFile) {
    for (const line of importLines(source, imports)) push(line, null);
  }
  const body = !wholeFile && runsAsMethodBody(source);
  if (!body) {
    codeLines.forEach((line, i) => push(line, snippet.line + i));
    push('export {};', null);
    return { snippet, kind: wholeFile ? 'whole file' : 'module excerpt', text: text.join('\n'), origins };
  }

  // Import lines stay at module level (they must lead the block); the rest becomes the method body.
  const importEnd = leadingImportsEndLine(source);
  codeLines.slice(0, importEnd).forEach((line, i) => push(line, snippet.line + i));
  push("import type { Bus as ReadmeSnippetBus } from 'nestjs-queue';", null);
  push('export class ReadmeSnippet {', null);
  push('  constructor(private readonly bus: ReadmeSnippetBus) {}', null);
  push('  async run(): Promise<void> {', null);
  codeLines.slice(importEnd).forEach((line, i) => push(line, snippet.line + importEnd + i));
  push('  }', null);
  push('}', null);
  return { snippet, kind: 'method body', text: text.join('\n'), origins };
}

/** True when the block has `await` or `this` outside any function or class: it is the inside of a method. */
function runsAsMethodBody(source: ts.SourceFile): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node) || node.kind === ts.SyntaxKind.ThisKeyword) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  source.statements.forEach(visit);
  return found;
}

/** The number of lines taken by the block's leading import declarations (0 if it has none). */
function leadingImportsEndLine(source: ts.SourceFile): number {
  let end = 0;
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement)) break;
    end = source.getLineAndCharacterOfPosition(statement.getEnd()).line + 1;
  }
  return end;
}

/** `import { ... } from '...'` lines for the table names the block uses but neither imports nor declares. */
function importLines(source: ts.SourceFile, table: ImportTable): string[] {
  const used = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !isPropertyName(node)) used.add(node.text);
    ts.forEachChild(node, collect);
  };
  collect(source);
  for (const name of topLevelNames(source)) used.delete(name);

  const lines: string[] = [];
  const taken = new Set<string>();
  for (const { module, names } of table) {
    const picked = [...used].filter((name) => names.has(name) && !taken.has(name)).sort();
    if (picked.length === 0) continue;
    picked.forEach((name) => taken.add(name));
    lines.push(`import { ${picked.join(', ')} } from '${module}';`);
  }
  return lines;
}

/** `x` in `a.x` or `{ x: 1 }` is not a use of a variable named x. */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return true;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return true;
  if (ts.isQualifiedName(parent) && parent.right === node) return true;
  return false;
}

/** Names the block imports or declares at its top level. */
function topLevelNames(source: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.push(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((e) => names.push(e.name.text));
    } else if (
      (ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.push(statement.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
      }
    }
  }
  return names;
}
