#!/usr/bin/env node
// Makes npm's solc-js behave like a native `solc` for py-solc-x and forge: `--version` and
// `--standard-json` (standard JSON on stdin, only JSON on stdout). solc-js reads no files itself,
// so imports are resolved here from --base-path/--include-path, the project root and node_modules.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const solc = require(path.join(root, "node_modules", "solc"));

function optionValues(args, name) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === name && i + 1 < args.length) values.push(args[i + 1]);
    else if (arg.startsWith(name + "=")) values.push(arg.slice(name.length + 1));
  });
  return values;
}

function main(args) {
  if (args.includes("--version")) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return 0;
  }
  if (!args.includes("--standard-json")) {
    process.stderr.write("scripts/solc.js supports only --version and --standard-json\n");
    return 2;
  }
  const searchRoots = [
    ...optionValues(args, "--base-path"),
    ...optionValues(args, "--include-path"),
    root,
    path.join(root, "node_modules"),
  ].map((p) => path.resolve(p));
  const findImports = (unitName) => {
    for (const dir of searchRoots) {
      const candidate = path.resolve(dir, unitName);
      if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
    }
    return { error: `File not found: ${unitName} (searched ${searchRoots.join(", ")})` };
  };
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input, { import: findImports }));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
