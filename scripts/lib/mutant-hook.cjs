// Loaded with `node -r` into the cucumber process of one mutant run (scripts/mutants.ts), which
// runs the shipped build (dist/): when dist/<file>.js is required, it compiles the mutated text of
// <file>.ts instead, in memory (TypeScript's transpileModule with the project's compiler options);
// nothing on disk changes and every other module is the build's. It says on stderr that it
// mutated the file, so the run proves the mutation was loaded.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

/** JavaScript for one TypeScript source as the build emits it (CommonJS; no type check). */
function transpile(source, fileName) {
  const ts = require('typescript');
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.build.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  const compilerOptions = {
    ...config.options,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    sourceMap: false,
    incremental: false,
  };
  return ts.transpileModule(source, { compilerOptions, fileName }).outputText;
}

const spec = process.env.OQS_MUTANT ? JSON.parse(process.env.OQS_MUTANT) : null;
if (spec) {
  const source = path.join(ROOT, spec.file);
  const target = path.join(ROOT, 'dist', spec.file.replace(/\.ts$/, '.js'));
  const load = require.extensions['.js'];
  require.extensions['.js'] = function (module, filename) {
    if (filename !== target) return load(module, filename);
    const text = fs.readFileSync(source, 'utf8');
    if (!text.includes(spec.from)) throw new Error(`mutant-hook: ${spec.file} no longer holds the code to mutate`);
    process.stderr.write(`mutant-hook: mutated ${spec.file}\n`);
    module._compile(transpile(text.replace(spec.from, spec.to), source), filename);
  };
}

module.exports = { transpile };
