import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, codeBlocks, documentationPages, where, type CodeBlock } from './markdown.js';

// Every code block of README.md and docs/*.md is compiled here, in ONE TypeScript program (a few
// seconds for all of them), with the project's strict options and the package names mapped to
// src/ by tsconfig's `paths` — so a snippet that no longer matches the API fails this test.
//
//   ```ts / ```typescript   typechecked as an ES module (top-level await allowed)
//   ```ts fragment          parsed only: a part of a file (a signature, an interface excerpt) that
//                           cannot stand alone; the page's text says so next to it
//   ```js                   an ES module, parsed (checkJs off: JS users get no types to check)
//   ```js cjs               a CommonJS file, parsed
//   ```js cjs run           ... and run with node against the built package (dist/, which `npm test`
//                           builds first; skipped when there is no build), as a JS user would
//   ```html                 the contents of its <script> elements are parsed as JS
//   ```json                 parsed with JSON.parse
//   ```sh / ```bash / ```mermaid / ```text   not run
//
// Snippets may use the names declared in PRELUDE without declaring them, as the pages say.

const CHECKED = new Set(['ts', 'typescript', 'js', 'javascript', 'html', 'json']);
const NOT_RUN = new Set(['sh', 'bash', 'mermaid', 'text']);

/**
 * Declared for every snippet: the Express app and the registered strategy the reader already has (the
 * README's quick start makes both). The pages say so where they use them.
 */
const PRELUDE = [
  `declare const app: import('express').Express;`,
  `declare const strategy: import('passport-stackexchange-oauth2').StackExchangeStrategy;`,
  '',
].join('\n');

interface CompiledBlock {
  readonly block: CodeBlock;
  readonly fileName: string;
  /** Offset of the block's first line in the file (script extraction for HTML shifts it). */
  readonly lineOffset: number;
  readonly syntaxOnly: boolean;
}

const blocks = documentationPages().flatMap(codeBlocks);
const compiled: CompiledBlock[] = [];
const sources = new Map<string, string>();

function virtualName(block: CodeBlock, index: number, extension: string): string {
  const page = block.page.path.replace(/[/.]/g, '_');
  // Under the repository root, so that package.json's "type": "module" makes .ts/.js files ES modules.
  return join(ROOT, '.docs-blocks', `${page}_L${block.line}_${index}${extension}`);
}

for (const block of blocks) {
  const fragment = block.flags.includes('fragment');
  if (block.lang === 'ts' || block.lang === 'typescript') {
    const fileName = virtualName(block, 0, '.ts');
    // `export {}` keeps a snippet without imports a module, so its names do not collide with others'.
    sources.set(fileName, `${block.code}\nexport {};\n`);
    compiled.push({ block, fileName, lineOffset: 0, syntaxOnly: fragment });
  } else if (block.lang === 'js' || block.lang === 'javascript') {
    const fileName = virtualName(block, 0, block.flags.includes('cjs') ? '.cjs' : '.js');
    sources.set(fileName, block.code);
    compiled.push({ block, fileName, lineOffset: 0, syntaxOnly: true });
  } else if (block.lang === 'html') {
    let index = 0;
    for (const match of block.code.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
      const before = block.code.slice(0, match.index).split('\n').length - 1;
      const fileName = virtualName(block, index, '.js');
      index += 1;
      sources.set(fileName, match[1] ?? '');
      compiled.push({ block, fileName, lineOffset: before, syntaxOnly: true });
    }
  }
}

const preludeName = join(ROOT, '.docs-blocks', 'prelude.d.ts');
sources.set(preludeName, PRELUDE);

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // A snippet shows a value the reader goes on to use: unused names are the point, not a mistake.
    noUnusedLocals: false,
    noUnusedParameters: false,
    allowJs: true,
    checkJs: false,
  };
}

let program: ts.Program;

beforeAll(() => {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  host.readFile = (name) => sources.get(name) ?? readFile(name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const text = sources.get(name);
    return text === undefined
      ? getSourceFile(name, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(name, text, languageVersion, true);
  };
  program = ts.createProgram({ rootNames: [...sources.keys()], options, host });
}, 60_000);

function describeDiagnostic(entry: CompiledBlock, diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return `${where(entry.block.page, entry.block.line)}: ${message}`;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${where(entry.block.page, entry.block.line + entry.lineOffset + line)}: TS${diagnostic.code} ${message}`;
}

describe('code blocks in README.md and docs/', () => {
  it('uses only languages this test checks or knowingly does not run', () => {
    const unknown = blocks
      .filter((block) => !CHECKED.has(block.lang) && !NOT_RUN.has(block.lang))
      .map((block) => `${where(block.page, block.line - 1)}: \`\`\`${block.lang || '(none)'}`);
    expect(unknown).toEqual([]);
  });

  it('finds the pages and their TypeScript blocks', () => {
    expect(compiled.filter((entry) => !entry.syntaxOnly).length).toBeGreaterThan(10);
  });

  it.each(compiled.map((entry) => [`${where(entry.block.page, entry.block.line)} (${entry.block.lang}${entry.syntaxOnly ? ', parsed' : ''})`, entry] as const))(
    '%s compiles',
    (_name, entry) => {
      const file = program.getSourceFile(entry.fileName);
      expect(file, entry.fileName).toBeDefined();
      if (!file) return;
      const diagnostics = entry.syntaxOnly
        ? program.getSyntacticDiagnostics(file)
        : [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
      expect(diagnostics.map((d) => describeDiagnostic(entry, d))).toEqual([]);
    },
  );

  const runnable = blocks.filter((block) => block.lang === 'js' && block.flags.includes('cjs') && block.flags.includes('run'));
  it.skipIf(!existsSync(join(ROOT, 'dist/index.cjs'))).each(runnable.map((block) => [where(block.page, block.line), block] as const))(
    '%s runs with node against the built package',
    (_name, block) => {
      // `node -e` resolves `require('passport-stackexchange-oauth2')` from the repository root: the
      // package's own name resolves to itself through its "exports", as in an installed copy.
      let failure = '';
      try {
        execFileSync(process.execPath, ['-e', block.code], { cwd: ROOT, stdio: 'pipe', timeout: 15_000 });
      } catch (err) {
        failure = String((err as { stderr?: unknown }).stderr ?? err);
      }
      expect(failure).toBe('');
    },
  );

  it.each(blocks.filter((block) => block.lang === 'json').map((block) => [where(block.page, block.line), block] as const))(
    '%s is JSON',
    (_name, block) => {
      expect(() => JSON.parse(block.code) as unknown).not.toThrow();
    },
  );
});
