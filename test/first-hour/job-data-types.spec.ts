/**
 * A handler's data type is what it receives: job data travels as JSON, so a Date in `handle`'s data (it arrives as
 * a string) is a compile error at @Job and at dispatch, while plain data (interfaces included) compiles.
 * Each case is a small file compiled strictly against lib/, as a user's file would be.
 */
import * as ts from 'typescript';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LIB = join(__dirname, '..', '..', 'lib', 'index.ts').replace(/\.ts$/, '');
const HEADER = `import { Bus, Job, job } from '${LIB}';\ndeclare const bus: Bus;\n`;

const CASES: Record<string, string> = {
  plain: `
    interface Signup { userId: number; email: string; tags?: string[]; at: string; meta: { source: string | null } }
    @Job() export class Welcome { async handle(data: Signup): Promise<void> {} }
    @Job() export class NoData { async handle(): Promise<void> {} }
    @Job() export class Anything { async handle(data: Record<string, unknown>): Promise<void> {} }
    void bus.dispatch(Welcome, { userId: 1, email: 'a@b.c', at: new Date().toISOString(), meta: { source: null } });
    void bus.dispatch(Anything, { n: 1 });
    void job(Welcome, { userId: 1, email: 'a@b.c', at: '2026-01-01', meta: { source: 'x' } });
  `,
  dateAtJob: `
    @Job() export class Remind { async handle(data: { when: Date }): Promise<void> {} }
  `,
  nestedDateAtJob: `
    @Job() export class Remind { async handle(data: { items: { at?: Date | string }[] }): Promise<void> {} }
  `,
  dateAtDispatch: `
    @Job() export class Remind { async handle(data: { when: string }): Promise<void> {} }
    void bus.dispatch(Remind, { when: new Date() });
  `,
  bigintAtJob: `
    @Job() export class Count { async handle(data: { n: bigint }): Promise<void> {} }
  `,
};

describe('job data types', () => {
  let dir: string;
  const diagnostics = new Map<string, string[]>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nq-job-data-types-'));
    const files = Object.entries(CASES).map(([name, code]) => {
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, HEADER + code);
      return [name, file] as const;
    });
    const program = ts.createProgram(files.map(([, f]) => f), {
      strict: true, experimentalDecorators: true, emitDecoratorMetadata: true, target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS, noEmit: true, skipLibCheck: true, types: ['node'],
    });
    for (const [name, file] of files) {
      const source = program.getSourceFile(file);
      const found = source ? ts.getPreEmitDiagnostics(program, source) : [];
      diagnostics.set(name, found.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`));
    }
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts plain JSON data: interfaces, optional fields, arrays, null, no data, Record<string, unknown>', () => {
    expect(diagnostics.get('plain')).toEqual([]);
  });

  it('refuses a Date in handle\'s data at @Job, saying it arrives as its ISO string', () => {
    const [first, ...rest] = diagnostics.get('dateAtJob') ?? [];
    expect(rest).toEqual([]);
    expect(first).toMatch(/^TS1238: /);
    expect(first).toContain('handle(data) must take plain JSON data, as the worker gives it');
    expect(first).toContain('a Date arrives as its ISO string: type the field string');
  });

  it('refuses a Date nested in arrays and optional unions', () => {
    expect(diagnostics.get('nestedDateAtJob')).toEqual([expect.stringContaining('a Date arrives as its ISO string')]);
  });

  it('refuses a Date passed at dispatch where the handler takes a string', () => {
    expect(diagnostics.get('dateAtDispatch')).toEqual([expect.stringMatching(/^TS2322: Type 'Date' is not assignable to type 'string'/)]);
  });

  it('refuses a bigint, which JSON cannot carry', () => {
    expect(diagnostics.get('bigintAtJob')).toEqual([expect.stringContaining('a bigint cannot be sent')]);
  });
});
