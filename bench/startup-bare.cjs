// The startup baseline for bench/startup.ts: the least a fastify service does before it answers
// (load fastify, one route, listen on a free loopback port), spawned exactly like the product.
'use strict';
const Fastify = require('fastify');

const app = Fastify({ logger: false });
app.get('/api/status', async () => ({ ok: true, mode: 'unattended' }));
app.listen({ host: '127.0.0.1', port: 0 }).then((address) => process.stdout.write(`listening on ${address}\n`));
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
