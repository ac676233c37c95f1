/**
 * The load generator of benchmark 5, in its own process (bench/api.ts spawns it), so it never
 * shares an event loop with the server under test:
 *
 *   node -r ts-node/register bench/api-load.ts URL SECONDS CONNECTIONS
 *
 * Prints one JSON line with autocannon's figures.
 */
import autocannon from 'autocannon';

async function main(): Promise<void> {
  const [url, seconds, connections] = process.argv.slice(2);
  if (!url || !url.startsWith('http://127.0.0.1:')) throw new Error('a loopback URL (http://127.0.0.1:PORT/...) is required');
  const r = await autocannon({ url, duration: Number(seconds ?? 5), connections: Number(connections ?? 10), pipelining: 1 });
  console.log(
    JSON.stringify({
      url,
      connections: r.connections,
      durationS: r.duration,
      requestsPerSecond: r.requests.average,
      requestsTotal: r.requests.total,
      latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
      throughputBytesPerSecond: r.throughput.average,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
