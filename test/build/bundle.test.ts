import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { transformSync } from 'esbuild';

const dist = path.resolve(__dirname, '../../../dist');

interface Metafile {
  inputs: Record<string, unknown>;
}

describe('dist/extension.js (what activation loads)', () => {
  const bundle = path.join(dist, 'extension.js');

  // The package ships the minified build (vscode:prepublish); this dev build is minified the same
  // way here, so the budget holds for what users load, while the tests below read unminified code.
  // 300 kB before the heavy features were bundled apart (esbuild.mjs); about 135 kB since.
  it('stays under 200 kB as shipped (minified)', () => {
    const source = fs.readFileSync(bundle, 'utf8');
    const shipped = Buffer.byteLength(transformSync(source, { minify: true, format: 'cjs', target: 'node20', platform: 'node' }).code);
    console.log(`      dist/extension.js: ${(source.length / 1024).toFixed(0)} KiB as built, ${(shipped / 1024).toFixed(0)} KiB minified`);
    assert.ok(shipped < 200_000, `dist/extension.js minified is ${shipped} bytes`);
  });

  it('contains neither the AWS SDK nor ssh2, and reaches them only through deferred requires', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(dist, 'meta.json'), 'utf8')) as Metafile;
    const heavyInputs = Object.keys(meta.inputs).filter((input) => /node_modules[\\/](@aws-sdk|@smithy|ssh2)[\\/]/.test(input));
    assert.deepEqual(heavyInputs, []);
    const source = fs.readFileSync(bundle, 'utf8');
    const vendorRequires = [...source.matchAll(/(.{0,40})require\("\.\/vendor\/[^"]+"\)/g)];
    assert.ok(vendorRequires.length > 0, 'the extension reaches the AWS SDK through a vendor bundle');
    // As built (`() => __toESM(`) or minified (`()=>m(`): the package test builds with --production.
    for (const [whole, before] of vendorRequires) {
      assert.match(before ?? '', /Promise\.resolve\(\)\.then\(\(\) ?=> ?(__toESM\(|[\w$]+\()?$/, `not deferred: ${whole}`);
    }
  });

  it('reaches the lazily loaded features only through deferred requires', () => {
    const source = fs.readFileSync(bundle, 'utf8');
    const featureRequires = [...source.matchAll(/(.{0,40})require\("\.\/features\/(?!shared-)[^"]+"\)/g)];
    assert.ok(featureRequires.length > 0, 'the launch, recovery ports, sweep and pricing are bundled apart');
    for (const [whole, before] of featureRequires) {
      assert.match(before ?? '', /Promise\.resolve\(\)\.then\(\(\) ?=> ?(__toESM\(|[\w$]+\()?$/, `not deferred: ${whole}`);
    }
    assert.ok(fs.existsSync(path.join(dist, 'features', 'commands-box-launch.js')));
  });

  it('loading it (with a stand-in vscode module) pulls in neither the AWS SDK nor ssh2', () => {
    const probe = `
      const Module = require('module');
      const load = Module._load;
      Module._load = function (request, ...rest) {
        return request === 'vscode' ? new Proxy({}, { get: () => function () {} }) : load.call(this, request, ...rest);
      };
      require(${JSON.stringify(bundle)});
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as string[];
    assert.deepEqual(loaded.filter((file) => /vendor|@aws-sdk|@smithy|ssh2/.test(file) || (/[\\/]features[\\/]/.test(file) && !/[\\/]shared-[^\\/]+$/.test(file))), []);
  });

  it('defines each error class that is told apart with instanceof across bundles once, in its shared bundle', () => {
    const bundles = [path.join(dist, 'extension.js'), ...fs.readdirSync(path.join(dist, 'features')).filter((name) => name.endsWith('.js')).map((name) => path.join(dist, 'features', name))];
    for (const [className, shared] of [['SpotboxError', 'shared-errors.js'], ['NoSpotCapacityError', 'shared-noSpotCapacity.js'], ['ArmApiError', 'shared-armError.js']]) {
      const defining = bundles.filter((file) => new RegExp(`(class ${className}|${className} = class) extends`).test(fs.readFileSync(file, 'utf8'))).map((file) => path.basename(file));
      assert.deepEqual(defining, [shared], `${className} is defined in ${defining.join(', ')}`);
    }
  });

  it('does not require anything but vscode and Node built-ins at load', () => {
    const source = fs.readFileSync(bundle, 'utf8');
    const required = [...source.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
    const unexpected = required.filter((name) => name !== 'vscode' && !name.startsWith('node:') && !/^[a-z_]+$/.test(name) && !name.startsWith('./vendor/') && !name.startsWith('./features/'));
    assert.deepEqual(unexpected, []);
  });
});
