#!/usr/bin/env node
// Compiles the devnet's own Solidity (crates/devnet/contracts/*.sol) and Chainlink's MockV3Aggregator (from the
// @chainlink/contracts tarball, which ships sources only) with solcjs, offline, into
// .tools/contracts/<Contract>.json ({ "abi": [...], "bytecode": "0x..." }).
// Usage: node scripts/compile-contracts.js <repo root> <tools dir>
'use strict';
const fs = require('fs');
const path = require('path');

const [root, tools] = process.argv.slice(2);
const solc = require(path.join(tools, 'node_modules', 'solc'));
const chainlinkSrc = path.join(tools, 'chainlink', 'package', 'src');

const sources = {};
for (const file of fs.readdirSync(path.join(root, 'crates', 'devnet', 'contracts')).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`contracts/${file}`] = { content: fs.readFileSync(path.join(root, 'crates', 'devnet', 'contracts', file), 'utf8') };
}
const mock = 'v0.8/shared/mocks/MockV3Aggregator.sol';
sources[`chainlink/${mock}`] = { content: fs.readFileSync(path.join(chainlinkSrc, mock), 'utf8') };

function findImports(importPath) {
  // Chainlink's relative imports resolve under chainlink/...; serve them from the tarball.
  if (importPath.startsWith('chainlink/')) {
    const file = path.join(chainlinkSrc, importPath.slice('chainlink/'.length));
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `not found: ${importPath}` };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n');
if (errors.length) process.exit(1);

const outDir = path.join(tools, 'contracts');
fs.mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object) continue; // interfaces
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify({ abi: c.abi, bytecode: '0x' + c.evm.bytecode.object, source: file }));
    count++;
  }
}
process.stderr.write(`compile-contracts: ${count} contracts with solc ${solc.version()} into ${outDir}\n`);
