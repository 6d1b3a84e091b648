import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Dependencies point inward: domain and contracts import nothing of the rest; adapters translate and never reach
// into services or jobs (except the queue port they implement); services use adapters through their interfaces
// (type-only imports) and never know about HTTP or job handlers; the browser shares only contracts and pure domain.

interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

const ROOT = process.cwd();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    try {
      readFileSync(candidate);
      return path.relative(ROOT, candidate);
    } catch {
      // try the next form
    }
  }
  return path.relative(ROOT, base);
}

function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      const clause = statement.importClause;
      typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    edges.push({ from: path.relative(ROOT, file), to: resolveRelative(file, specifier.text), typeOnly });
  }
  return edges;
}

// Pure helpers (ids, hashing, the clock interface) that services may call directly; everything else that does I/O
// reaches a service as a constructor argument.
const PURE_ADAPTER_HELPERS = new Set([path.join('src', 'adapters', 'clock.ts'), path.join('src', 'adapters', 'crypto.ts')]);

const layer = (file: string): string => {
  const parts = file.split(path.sep);
  if (parts[0] === 'web') return 'web';
  return parts.length > 2 ? parts[1]! : 'root';
};

/** Why an import breaks the direction, or null when it is allowed. */
function violation(edge: ImportEdge): string | null {
  const from = layer(edge.from);
  const to = layer(edge.to);
  if (from === to && from !== 'web') return null;
  switch (from) {
    case 'contracts':
      return 'contracts import nothing but contracts';
    case 'domain':
      return to === 'contracts' ? null : 'domain imports only domain and contracts';
    case 'adapters':
      if (edge.to === path.join('src', 'jobs', 'queue.ts')) return null;
      return to === 'domain' || to === 'contracts' ? null : 'adapters import only domain, contracts and the queue port';
    case 'services':
      if (to === 'domain' || to === 'contracts') return null;
      if (to === 'adapters') return edge.typeOnly || PURE_ADAPTER_HELPERS.has(edge.to) ? null : 'services use adapters through their interfaces (import type), wired by the composition root';
      if (edge.to === path.join('src', 'jobs', 'queue.ts') || edge.to === path.join('src', 'jobs', 'catalogue.ts')) return null;
      return 'services never import http, job handlers or the composition root';
    case 'jobs':
      return to === 'http' || to === 'root' ? 'jobs never import http or the composition root' : null;
    case 'http':
      return to === 'root' && !edge.to.endsWith('config.ts') ? 'http never imports the composition root' : null;
    case 'web':
      if (edge.to.startsWith(`web${path.sep}`)) return null;
      return to === 'contracts' || to === 'domain' ? (edge.typeOnly || to === 'domain' ? null : 'the browser imports contracts as types') : 'the browser imports only contracts and pure domain from the server';
    default:
      return null;
  }
}

describe('import direction', () => {
  it('every import in src/ and web/src points inward', () => {
    const edges = [...sourceFiles('src'), ...sourceFiles('web/src')].flatMap(importsOf);
    const wrong = edges.flatMap((e) => {
      const why = violation(e);
      return why ? [`${e.from} → ${e.to}: ${why}`] : [];
    });
    expect(wrong).toEqual([]);
  });
});
