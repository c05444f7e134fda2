// Bundles the extension. The AWS SDK and ssh2 are big and slow to load (~400 ms for EC2 alone), so
// they are never part of dist/extension.js: source code reaches them only through import(), which
// this build turns into a require of a separate vendor bundle, loaded on first use.
import * as esbuild from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const LAZY_MODULES = ['@aws-sdk/client-ec2', '@aws-sdk/client-pricing', '@aws-sdk/client-s3', 'ssh2'];
const vendorFileOf = (moduleName) => `vendor/${moduleName.replace(/^@aws-sdk\//, 'aws-').replace(/[^\w.-]/g, '-')}.js`;
const lazyFilter = new RegExp(`^(${LAZY_MODULES.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);

/** @type {esbuild.Plugin} */
const lazyVendorModules = {
  name: 'lazy-vendor-modules',
  setup(build) {
    build.onResolve({ filter: lazyFilter }, (args) => {
      if (args.kind !== 'dynamic-import') {
        return { errors: [{ text: `${args.path} must be loaded with import() so it stays out of activation (imported by ${args.importer})` }] };
      }
      return { path: `./${vendorFileOf(args.path)}`, external: true };
    });
  },
};

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
  plugins: [lazyVendorModules],
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
  entryPoints: { calculator: 'media/calculator/main.ts' },
  outdir: 'dist/webviews',
};

const vendorBuildOf = (moduleName) => ({
  ...common,
  stdin: { contents: `module.exports = require(${JSON.stringify(moduleName)});`, resolveDir: process.cwd(), loader: 'js' },
  outfile: `dist/${vendorFileOf(moduleName)}`,
  sourcemap: false,
  logLevel: 'warning',
});

/** Vendor bundles only for the lazy modules the extension actually reaches. */
function referencedLazyModules(metafile) {
  const imported = new Set(Object.values(metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path)));
  return LAZY_MODULES.filter((moduleName) => imported.has(`./${vendorFileOf(moduleName)}`));
}

if (watch) {
  const contexts = await Promise.all([esbuild.context(extensionBuild), esbuild.context(webviewBuild)]);
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('[watch] watching src/ for changes');
} else {
  rmSync('dist', { recursive: true, force: true });
  const [result] = await Promise.all([esbuild.build(extensionBuild), esbuild.build(webviewBuild)]);
  await Promise.all(referencedLazyModules(result.metafile).map((moduleName) => esbuild.build(vendorBuildOf(moduleName))));
  writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
}
