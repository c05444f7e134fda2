import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

// Compiled to out/test/unit/architecture/: the checkout's root is four folders up.
const root = path.resolve(__dirname, '../../../..');
const core = path.join(root, 'src', 'core');

interface ImportEdge {
  readonly file: string;
  readonly specifier: string;
}

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module a file names: static imports and re-exports, `import('...')` and `require('...')`. */
function specifiersOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s*\(\s*'([^']+)'\s*\)/g, /\brequire\s*\(\s*'([^']+)'\s*\)/g, /^import\s+'([^']+)'/gm];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]));
}

/** The top folder of src/core a file lives in ('.' for files directly in core). */
function folderOf(file: string): string {
  const [first, ...rest] = path.relative(core, file).split(path.sep);
  return rest.length ? first : '.';
}

/** Folder → folder → the imports that make the edge. */
function folderGraph(): Map<string, Map<string, ImportEdge[]>> {
  const graph = new Map<string, Map<string, ImportEdge[]>>();
  for (const file of sourceFiles(core)) {
    const from = folderOf(file);
    for (const specifier of specifiersOf(file).filter((name) => name.startsWith('.'))) {
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(core + path.sep)) continue;
      const to = folderOf(target + '.ts');
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, ImportEdge[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), { file: path.relative(core, file), specifier }]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan): each is a cycle. */
function cycles(graph: Map<string, Map<string, ImportEdge[]>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const neighbour of graph.get(node)?.keys() ?? []) {
      if (!index.has(neighbour)) {
        visit(neighbour);
        low.set(node, Math.min(low.get(node)!, low.get(neighbour)!));
      } else if (onStack.has(neighbour)) {
        low.set(node, Math.min(low.get(node)!, index.get(neighbour)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('src/core layering', () => {
  it('never imports vscode (core runs in plain Node)', () => {
    const offenders = sourceFiles(core).filter((file) => specifiersOf(file).some((name) => name === 'vscode' || name.startsWith('vscode/')));
    assert.deepEqual(offenders.map((file) => path.relative(root, file)), []);
  });

  it('has no import cycle between its folders (each concern depends one way)', () => {
    const graph = folderGraph();
    const described = cycles(graph).map((component) => {
      const inside = new Set(component);
      const edges = component.flatMap((from) =>
        [...(graph.get(from)?.entries() ?? [])].filter(([to]) => inside.has(to)).map(([to, imports]) => `  ${from} -> ${to}: ${imports.map((edge) => `${edge.file} imports ${edge.specifier}`).join('; ')}`),
      );
      return `${component.join(' <-> ')}\n${edges.join('\n')}`;
    });
    assert.deepEqual(described, []);
  });

  it('sees a cycle when there is one (the check itself can fail)', () => {
    const graph = new Map([
      ['a', new Map([['b', [{ file: 'a/x.ts', specifier: '../b/y' }]]])],
      ['b', new Map([['c', [{ file: 'b/y.ts', specifier: '../c/z' }]]])],
      ['c', new Map([['a', [{ file: 'c/z.ts', specifier: '../a/x' }]]])],
      ['d', new Map([['a', [{ file: 'd/w.ts', specifier: '../a/x' }]]])],
    ]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
  });
});
