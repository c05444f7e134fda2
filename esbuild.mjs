// Bundles the extension. The AWS SDK and ssh2 are big and slow to load (~400 ms for EC2 alone), so
// they are never part of dist/extension.js: source code reaches them only through import(), which
// this build turns into a require of a separate vendor bundle, loaded on first use.
//
// Heavy features go the same way: an import() of a source file (`await import('./box/launch')` in
// the command registry) becomes a deferred require of dist/features/<name>.js (commands-box-launch.js),
// a bundle of its own built here. esbuild's code splitting would share modules between chunks
// instead, but it only exists for ESM output, and VS Code requires the extension as CommonJS; so a
// module two bundles use is copied into both. That is harmless for code without state, and the
// core keeps none at module level (STYLE.md 7); the one module whose identity matters across
// bundles, src/core/errors.ts (the command wrapper's `instanceof UserCancelledError` and
// `instanceof SpotboxError` must hold for errors a feature throws), is bundled once, in
// dist/features/shared-errors.js, which every bundle requires; so is src/core/launch/noSpotCapacity.ts
// (the recovery coordinator, in extension.js, tells EC2's "no Spot capacity" thrown by the recovery
// ports' bundle with `instanceof NoSpotCapacityError`, and moves the session to another cloud on it);
// so is src/core/azure/armError.ts (ARM's errors are thrown by the clients' bundle and told apart with
// `instanceof ArmApiError` in the launch's, the recovery ports' and the sweep's: no capacity, a refused
// role grant, a 404).
import * as esbuild from 'esbuild';
import { execSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { writeAssembledAgent } from './scripts/assembleAgent.mjs';

const require = createRequire(import.meta.url);

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// google-auth-library: GCP's Application Default Credentials (src/core/gcp/gcpAuth.ts), ~300 kB minified.
// @azure/identity: Azure credentials (src/core/azure/azureAuth.ts), with MSAL.
const LAZY_MODULES = ['@aws-sdk/client-ec2', '@aws-sdk/client-fis', '@aws-sdk/client-pricing', '@aws-sdk/client-s3', 'ssh2', 'google-auth-library', '@azure/identity'];
const vendorFileOf = (moduleName) => `vendor/${moduleName.replace(/^@aws-sdk\//, 'aws-').replace(/^@/, '').replace(/[^\w.-]/g, '-')}.js`;
const lazyFilter = new RegExp(`^(${LAZY_MODULES.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);

/**
 * @param {string} toDist how a bundle's require() reaches dist/ ('./' from dist/, '../' from dist/features/)
 * @returns {esbuild.Plugin}
 */
const lazyVendorModules = (toDist) => ({
  name: 'lazy-vendor-modules',
  setup(build) {
    build.onResolve({ filter: lazyFilter }, (args) => {
      if (args.kind !== 'dynamic-import') {
        return { errors: [{ text: `${args.path} must be loaded with import() so it stays out of activation (imported by ${args.importer})` }] };
      }
      return { path: `${toDist}${vendorFileOf(args.path)}`, external: true };
    });
  },
});

const srcDir = path.resolve('src');
/** Modules bundled once and required by every bundle that uses them (see the top of this file). */
const SHARED_MODULES = new Map([
  [path.join(srcDir, 'core', 'errors.ts'), 'shared-errors'],
  [path.join(srcDir, 'core', 'launch', 'noSpotCapacity.ts'), 'shared-noSpotCapacity'],
  [path.join(srcDir, 'core', 'azure', 'armError.ts'), 'shared-armError'],
]);
/** Lazily loaded feature bundles found so far: name -> source file. */
const features = new Map();
const featureNameOf = (file) => path.relative(srcDir, file).replace(/\.ts$/, '').replace(/[\\/]/g, '-');
function sourceFileOf(resolveDir, request) {
  const base = path.resolve(resolveDir, request);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => candidate.startsWith(srcDir + path.sep) && candidate.endsWith('.ts') && existsSync(candidate));
}

/**
 * import() of a source file -> external dist/features/<name>.js (built below); static imports of a
 * shared module -> its one bundle.
 * @param {string} toFeatures how a bundle's require() reaches dist/features/
 * @returns {esbuild.Plugin}
 */
const lazyFeatures = (toFeatures) => ({
  name: 'lazy-features',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const file = sourceFileOf(args.resolveDir, args.path);
      if (!file || args.namespace !== 'file') {
        return undefined;
      }
      if (SHARED_MODULES.has(file)) {
        return { path: `${toFeatures}${SHARED_MODULES.get(file)}.js`, external: true };
      }
      if (args.kind !== 'dynamic-import') {
        return undefined;
      }
      const name = featureNameOf(file);
      features.set(name, file);
      return { path: `${toFeatures}${name}.js`, external: true };
    });
  },
});

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  // ssh2's native helpers are optional; it falls back to pure JS when they are absent.
  external: ['vscode', 'cpu-features', '*.node'],
};

const extensionBuild = {
  ...common,
  entryPoints: { extension: 'src/extension.ts', cli: 'src/cli.ts' },
  outdir: 'dist',
  metafile: true,
  // Node's native import() of a CommonJS vendor bundle exposes only `default`; lowering import()
  // to a deferred require() keeps the SDK's named exports (EC2Client, ...) and the laziness.
  supported: { 'dynamic-import': false },
  // jsonc-parser's default (UMD) entry hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
  plugins: [lazyVendorModules('./'), lazyFeatures('./features/')],
};

/** One lazily loaded feature (or a shared module), as dist/features/<name>.js. */
const featureBuildOf = (name, file) => {
  const { entryPoints, outdir, ...rest } = extensionBuild;
  return { ...rest, entryPoints: [file], outfile: `dist/features/${name}.js`, logLevel: 'warning', plugins: [lazyVendorModules('../'), lazyFeatures('./')] };
};

// Webview front ends run in the browser context of a webview, with their own bundle.
const webviewBuild = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  entryPoints: { calculator: 'media/calculator/main.ts', dashboard: 'media/dashboard/main.ts' },
  outdir: 'dist/webviews',
};

/**
 * Clients built with explicit credentials never run the SDK's default chain; leaving it out of their
 * bundle saves its STS/SSO clients (client-fis 3.523 brings an old copy: ~600 kB minified). If it
 * were ever called anyway, it fails loudly instead of silently finding other credentials.
 */
const EXPLICIT_CREDENTIALS_ONLY = new Set(['@aws-sdk/client-fis']);
/** @type {esbuild.Plugin} */
const noDefaultCredentialChain = {
  name: 'no-default-credential-chain',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: 'credential-provider-node', namespace: 'spotbox-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'spotbox-stub' }, () => ({
      contents: `exports.defaultProvider = () => () => Promise.reject(new Error('Spotbox passes credentials to this client explicitly; the default chain is not bundled.'));`,
      loader: 'js',
    }));
  },
};

/**
 * The names the extension can reach in a lazy module: every `SomethingCommand` / `SomethingClient`
 * identifier in the sources that the module really exports. Re-exporting only those lets esbuild
 * drop the other commands' serializers (client-ec2 has hundreds), so the vendor bundle parses faster.
 */
function usedExportsOf(moduleName) {
  const exported = new Set(Object.keys(require(moduleName)));
  // A file moved or deleted in the work tree is still listed by git until the change is staged.
  const sources = execSync("git ls-files -co --exclude-standard 'src/*.ts' 'src/**/*.ts'", { encoding: 'utf8' }).split('\n').filter((file) => file && existsSync(file));
  const names = new Set(sources.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\b(?:[A-Z][A-Za-z0-9]*(?:Command|Client|Exception|Error)|paginate[A-Z][A-Za-z0-9]*|waitUntil[A-Z][A-Za-z0-9]*)\b/g)].map((match) => match[0])));
  return [...names].filter((name) => exported.has(name)).sort();
}

const vendorBuildOf = (moduleName) => ({
  ...common,
  // ssh2 is one object graph; only the SDK clients have per-command code worth shaking off.
  stdin: moduleName.startsWith('@aws-sdk/')
    ? { contents: `export { ${usedExportsOf(moduleName).join(', ')} } from ${JSON.stringify(moduleName)};`, resolveDir: process.cwd(), loader: 'js' }
    : { contents: `module.exports = require(${JSON.stringify(moduleName)});`, resolveDir: process.cwd(), loader: 'js' },
  mainFields: ['module', 'main'],
  outfile: `dist/${vendorFileOf(moduleName)}`,
  sourcemap: false,
  logLevel: 'warning',
  plugins: EXPLICIT_CREDENTIALS_ONLY.has(moduleName) ? [noDefaultCredentialChain] : [],
});

/** Vendor bundles only for the lazy modules the extension actually reaches. */
function referencedLazyModules(metafiles) {
  const imported = new Set(metafiles.flatMap((metafile) => Object.values(metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path.replace(/^(\.\.?\/)+/, '')))));
  return LAZY_MODULES.filter((moduleName) => imported.has(vendorFileOf(moduleName)));
}

/** Builds every feature bundle and shared module reached so far, and those they reach in turn. */
async function buildFeatures(done = new Map()) {
  for (;;) {
    const shared = [...SHARED_MODULES].map(([file, name]) => [name, file]);
    const pending = [...shared, ...features].filter(([name]) => !done.has(name));
    if (pending.length === 0) {
      return done;
    }
    const results = await Promise.all(pending.map(([name, file]) => esbuild.build(featureBuildOf(name, file))));
    pending.forEach(([name], index) => done.set(name, results[index].metafile));
  }
}

if (watch) {
  // The on-box agent is assembled once here; after editing its modules, run `node scripts/assembleAgent.mjs`.
  writeAssembledAgent();
  // Features are found while bundling: build once to know them, then watch every bundle.
  await esbuild.build(extensionBuild);
  await buildFeatures();
  const contexts = await Promise.all([
    esbuild.context(extensionBuild),
    esbuild.context(webviewBuild),
    ...[...[...SHARED_MODULES].map(([file, name]) => [name, file]), ...features].map(([name, file]) => esbuild.context(featureBuildOf(name, file))),
  ]);
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('[watch] watching src/ for changes (a newly added import() of a feature needs a restart)');
} else {
  rmSync('dist', { recursive: true, force: true });
  // The on-box agent's modules, as the one file a box runs (dist/agent/spotbox_agent.py).
  writeAssembledAgent();
  const [result] = await Promise.all([esbuild.build(extensionBuild), esbuild.build(webviewBuild)]);
  const featureMetafiles = await buildFeatures();
  await Promise.all(referencedLazyModules([result.metafile, ...featureMetafiles.values()]).map((moduleName) => esbuild.build(vendorBuildOf(moduleName))));
  writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
  writeFileSync('dist/features/meta.json', JSON.stringify(Object.fromEntries(featureMetafiles)));
}
