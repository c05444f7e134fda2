// Assembles the on-box agent's modules (resources/agent/src/agent/*.py, a Python package the unit
// tests import one module at a time) into the one file a box runs: dist/agent/spotbox_agent.py.
//
// Why one concatenated file rather than a zipapp: spotbox_session.py and the boot restore import the
// agent as a module (`import spotbox_agent`), the extension reads it as text (readAgentSource) and
// pins its sha256, and on the box a reader can open it. The modules share one namespace once
// concatenated, so this checks what that needs: each module's intra-package imports are
// `from .module import name, ...` lines of modules listed before it, naming what that module
// defines, and no two modules define the same top-level name. Those import lines are dropped; the
// standard-library imports are gathered, deduplicated and sorted at the top. Nothing depends on the
// clock, the machine or the file system's order: the same sources give the same bytes.
//
//   node scripts/assembleAgent.mjs            writes dist/agent/spotbox_agent.py
//   node scripts/assembleAgent.mjs --out F    writes F
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const AGENT_MODULES_DIR = path.join(REPO_ROOT, 'resources', 'agent', 'src', 'agent');
export const ASSEMBLED_AGENT = path.join(REPO_ROOT, 'dist', 'agent', 'spotbox_agent.py');

/** The modules in the order they are concatenated: each after every module it imports from. */
export const AGENT_MODULES = [
  'errors', 'formats', 'config', 'journal', 'transport',
  'aws_metadata', 's3', 'aws_notice',
  'gcp_metadata', 'gcp_notice', 'gcs',
  'azure_metadata', 'azure_notice', 'blob',
  'clouds', 'layout', 'gitignore', 'files', 'upload', 'activity', 'boot', 'daemon', 'cli',
];

const RELATIVE_IMPORT = /^from \.(\w+) import ([\w, ]+)$/;
const TOP_LEVEL_NAME = /^(?:def|class) (\w+)|^(\w+(?:\s*,\s*\w+)*)\s*=[^=]/;

/** The text after a module's leading docstring, or the whole text when it has none. */
function splitDocstring(source) {
  const match = /^"""([\s\S]*?)"""\n/.exec(source);
  return match ? { docstring: match[1], body: source.slice(match[0].length) } : { docstring: '', body: source };
}

/** Names a module binds at its top level (definitions, assignments, imports). */
function topLevelNames(lines) {
  const names = [];
  for (const line of lines) {
    const definition = TOP_LEVEL_NAME.exec(line);
    if (definition) {
      names.push(...(definition[1] ?? definition[2]).split(',').map((name) => name.trim()));
    }
  }
  return names;
}

/**
 * @param {string} modulesDir
 * @param {readonly string[]} order
 * @returns {string} the assembled file's text
 */
export function assembleAgent(modulesDir = AGENT_MODULES_DIR, order = AGENT_MODULES) {
  const present = readdirSync(modulesDir).filter((file) => file.endsWith('.py') && file !== '__init__.py').map((file) => file.slice(0, -3)).sort();
  const unlisted = present.filter((name) => !order.includes(name));
  const missing = order.filter((name) => !present.includes(name));
  if (unlisted.length > 0 || missing.length > 0) {
    throw new Error(`agent modules: ${unlisted.length ? `not in AGENT_MODULES: ${unlisted.join(', ')}` : ''}${missing.length ? ` missing files: ${missing.join(', ')}` : ''}`);
  }
  const packageDoc = splitDocstring(readFileSync(path.join(modulesDir, '__init__.py'), 'utf8')).docstring;
  const imports = new Set();
  const definedBy = new Map();
  const sections = [];
  for (const name of order) {
    const file = `${name}.py`;
    const { docstring, body } = splitDocstring(readFileSync(path.join(modulesDir, file), 'utf8'));
    const kept = [];
    for (const line of body.split('\n')) {
      if (/^(import|from) /.test(line)) {
        if (line.includes('(') || line.endsWith('\\')) {
          throw new Error(`${file}: write imports on one line each: ${line}`);
        }
        const relative = RELATIVE_IMPORT.exec(line);
        if (relative) {
          const [, from, names] = relative;
          for (const imported of names.split(',').map((part) => part.trim())) {
            if (definedBy.get(imported) !== from) {
              throw new Error(`${file}: "${line}": ${from}.py (listed before ${name} in AGENT_MODULES) defines no ${imported}`);
            }
          }
        } else if (line.startsWith('from .')) {
          throw new Error(`${file}: only "from .module import name, ..." reaches another module: ${line}`);
        } else {
          imports.add(line);
        }
        continue;
      }
      kept.push(line);
    }
    for (const defined of topLevelNames(kept)) {
      if (definedBy.has(defined) && definedBy.get(defined) !== name) {
        throw new Error(`${file} defines ${defined}, as ${definedBy.get(defined)}.py does: in one file they would collide`);
      }
      definedBy.set(defined, name);
    }
    const text = kept.join('\n').replace(/^\n+/, '').replace(/\n+$/, '');
    // The module's docstring, whole, as the section's heading comment.
    const heading = `---- ${name}.py: ${docstring.trim()}`.split('\n').map((line) => `# ${line}`.trimEnd()).join('\n');
    sections.push(`${heading}\n\n${text}`);
  }
  const besideOnTheBox = (line) => /^(from|import) spotbox_/.test(line);
  const byKindThenName = (a, b) => Number(a.startsWith('from ')) - Number(b.startsWith('from ')) || (a < b ? -1 : a > b ? 1 : 0);
  const standardImports = [...imports].filter((line) => !besideOnTheBox(line)).sort(byKindThenName);
  const boxImports = [...imports].filter(besideOnTheBox).sort(byKindThenName);
  return [
    '#!/usr/bin/env python3',
    `"""${packageDoc}"""`,
    '# Assembled from resources/agent/src/agent/*.py by scripts/assembleAgent.mjs (npm run build): edit those, not this file.',
    ...standardImports,
    ...(boxImports.length > 0 ? ['# Installed beside this file by the bootstrap, which the launch\'s user data runs first.', ...boxImports] : []),
    '',
    '',
    sections.join('\n\n\n'),
    '',
  ].join('\n');
}

/** Writes the assembled agent (by default to dist/agent/spotbox_agent.py) and returns its path. */
export function writeAssembledAgent(out = ASSEMBLED_AGENT) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, assembleAgent());
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  console.log(path.relative(process.cwd(), writeAssembledAgent(at > 0 ? path.resolve(process.argv[at + 1]) : ASSEMBLED_AGENT)));
}
