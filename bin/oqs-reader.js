#!/usr/bin/env node
// Runs the TypeScript sources directly (ts-node, transpile only); types are checked by `npm test`.
'use strict';
const path = require('node:path');
require('ts-node').register({ project: path.join(__dirname, '..', 'tsconfig.json'), transpileOnly: true });
require('../src/cli.ts');
