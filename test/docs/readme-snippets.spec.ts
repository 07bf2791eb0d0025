/**
 * The README's TypeScript compiles: every ```ts block of README.md (and sample/README.md, if it has any) is
 * type-checked by the TypeScript compiler under the project's strict tsconfig, with `nestjs-queue` mapped to lib/.
 *
 * How a block becomes a module (test/docs/support/markdown-snippets.ts), lines kept as written so errors point at
 * the README line:
 * 1. A block whose first line names a file (`// app.module.ts`) is a whole file: compiled exactly as written,
 *    with nothing imported for it.
 * 2. Any other block is an excerpt: it is given imports for the names it uses but neither imports nor declares,
 *    from nestjs-queue, nestjs-queue/testing, and a short list of Nest and knex names (support/readme-app.ts).
 * 3. An excerpt with `await` or `this` outside any function is code from inside a method: its lines (after its
 *    own imports) become the body of `async run(): Promise<void>` of a class whose constructor takes
 *    `private readonly bus: Bus`, so `this.bus` is the injected Bus.
 * What the blocks take from the reader's own app (MailService, the order-chain jobs, `o`, `userId`...) is declared
 * once in support/readme-app.ts. A block that cannot compile under these rules means the README is wrong.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extractSnippets, Snippet } from './support/markdown-snippets';
import { checkSnippets, CheckedSnippet, SnippetCheck } from './support/snippet-checker';

const root = join(__dirname, '..', '..');
const markdownFiles = ['README.md', 'sample/README.md'].filter((file) => existsSync(join(root, file)));
const readmeSnippets: Snippet[] = markdownFiles.flatMap((file) => extractSnippets(file, readFileSync(join(root, file), 'utf8')));

// Blocks that must NOT compile: they prove the check can fail, and at the right line.
const SELF_CHECK = [
  '# self check', //                                                                   line 1
  '```ts', //                                                                          line 2
  "await this.bus.dispatch(SendWelcomeEmail, { userId: 'one' });", //                   line 3: userId is a number
  '```', //                                                                            line 4
  '```ts', //                                                                          line 5
  '// jobs.ts', //                                                                     line 6: a whole file...
  '@Job()', //                                                                         line 7: ...that forgot its import
  'export class Nothing { async handle(data: { n: number }): Promise<void> {} }', //   line 8
  '```', //                                                                            line 9
].join('\n');
const selfCheckSnippets = extractSnippets('self-check.md', SELF_CHECK);

function title(s: Snippet): string {
  const first = s.code.split('\n').find((line) => line.trim() !== '') ?? '';
  return `${s.file}:${s.line} (${first.trim().slice(0, 60)})`;
}

describe('README code blocks', () => {
  let check: SnippetCheck;
  let byLine: Map<string, CheckedSnippet>;

  beforeAll(() => {
    check = checkSnippets(root, [...readmeSnippets, ...selfCheckSnippets]);
    byLine = new Map(check.results.map((r) => [`${r.module.snippet.file}:${r.module.snippet.line}`, r]));
  });

  afterAll(() => {
    const allCompiled = check && check.setupDiagnostics.length === 0 &&
      check.results.every((r) => r.module.snippet.file === 'self-check.md' || r.diagnostics.length === 0);
    if (allCompiled) rmSync(check.dir, { recursive: true, force: true });
    else if (check) console.log(`The generated snippet modules are kept in ${check.dir}`);
  });

  it('finds every ```ts block of the README', () => {
    const fences = readFileSync(join(root, 'README.md'), 'utf8').split('\n').filter((line) => /^```(ts|typescript)\s*$/.test(line));
    expect(readmeSnippets.filter((s) => s.file === 'README.md')).toHaveLength(fences.length);
    expect(fences.length).toBeGreaterThanOrEqual(8);
  });

  it("declares the reader's app (services, job classes, values) without a compiler error", () => {
    expect(check.setupDiagnostics).toEqual([]);
  });

  it.each(readmeSnippets.map((s) => [title(s), s] as const))('%s type-checks', (_title, snippet) => {
    const result = byLine.get(`${snippet.file}:${snippet.line}`);
    expect(result?.diagnostics).toEqual([]);
  });

  it('reports a wrong data type at the README line of the dispatch, with the compiler message', () => {
    const [wrongData] = selfCheckSnippets;
    const diagnostics = byLine.get(`self-check.md:${wrongData.line}`)?.diagnostics ?? [];
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^self-check\.md:3:\d+ TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it('gives a whole-file block nothing it did not import itself', () => {
    const [, wholeFile] = selfCheckSnippets;
    const diagnostics = byLine.get(`self-check.md:${wholeFile.line}`)?.diagnostics ?? [];
    expect(diagnostics).toEqual([expect.stringMatching(/^self-check\.md:7:2 TS2304: Cannot find name 'Job'/)]);
  });
});
