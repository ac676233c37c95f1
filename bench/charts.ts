/** One chart per benchmark, from its JSON (so charts can be redrawn without measuring again). */
import type { BenchResult, Figure } from './lib/report';
import { fmt } from './lib/report';
import { chart, COLORS, type Bar, type Group } from './lib/svg';

function fig(r: BenchResult, id: string): Figure {
  const f = r.figures.find((x) => x.id === id);
  if (!f) throw new Error(`${r.bench}: no figure ${id}`);
  return f;
}

const maybe = (r: BenchResult, id: string) => r.figures.find((x) => x.id === id);

function subtitle(r: BenchResult): string {
  const m = r.machine;
  return `${m.cpuModel}, ${m.cores} cores, node ${m.node}, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${m.commit}`;
}

const ratioNote = (f: Figure) => (f.ratio !== undefined ? `×${fmt(f.ratio)}` : undefined);
const missed = (fs: Array<Figure | undefined>) => fs.filter((f): f is Figure => !!f && f.met === false).map((f) => f.label);
const footnote = (r: BenchResult, fs: Array<Figure | undefined>) => {
  const m = missed(fs);
  if (!m.length) return 'All targets met.';
  const all = `MISSED: ${m.join('; ')}`;
  return all.length <= 150 ? all : `MISSED ${m.length} targets (see ${r.bench}.json): ${all.slice(8, 110)}…`;
};

function decoder(r: BenchResult): string {
  const streams = [
    { id: 'f20to60', title: 'Frames of 20–60 B (targets)' },
    { id: 'visit', title: "A visit's event frames, 8–30 B" },
  ];
  const sizes = [
    { n: 1, label: '1 B chunks' },
    { n: 64, label: '64 B chunks' },
    { n: 1024, label: '1 KiB chunks' },
  ];
  const all: Figure[] = [];
  const panels = streams.map((s) => ({
    title: s.title,
    yLabel: 'MB/s',
    log: true,
    groups: sizes.map((z): Group => {
      const push = fig(r, `${s.id}.push.${z.n}`);
      const stream = fig(r, `${s.id}.stream.${z.n}`);
      const pl = fig(r, `${s.id}.packetLength.${z.n}`);
      all.push(push);
      const bars: Bar[] = [
        { label: 'FrameDecoder.push', value: push.value, color: COLORS.ours, note: ratioNote(push) },
        { label: 'FrameDecoder in a Transform', value: stream.value, color: COLORS.ours2, note: ratioNote(stream) },
        { label: 'parser-delimiter', value: push.baseline!.value, color: COLORS.baseline },
        { label: 'parser-packet-length', value: pl.value, color: COLORS.other },
      ];
      const t = push.target;
      return { label: z.label, bars, target: t && { value: t.value, op: t.op, label: `≥ ${fmt(t.value)}` } };
    }),
  }));
  return chart({
    title: 'Frame decoder throughput (higher is better; ×n = multiple of parser-delimiter)',
    subtitle: `${subtitle(r)}. 115200 baud = 0.0115 MB/s.`,
    panels,
    legend: [
      { label: 'FrameDecoder.push', color: COLORS.ours },
      { label: 'FrameDecoder in a Transform', color: COLORS.ours2 },
      { label: 'parser-delimiter (baseline)', color: COLORS.baseline },
      { label: 'parser-packet-length', color: COLORS.other },
    ],
    footnote: footnote(r, all),
    width: 940,
  });
}

function roundTrip(r: BenchResult): string {
  const panel = (prefix: string, title: string, baseLabel: string) => ({
    title,
    yLabel: 'µs',
    log: true,
    groups: ['p50', 'p99'].map((p): Group => {
      const f = fig(r, `${prefix}.${p}`);
      return {
        label: p,
        bars: [
          { label: baseLabel, value: f.baseline!.value, color: COLORS.baseline },
          { label: 'getStatus through ReaderClient', value: f.value, color: COLORS.ours, note: ratioNote(f) },
        ],
        target: f.target && { value: f.target.value, op: f.target.op, label: `≤ ${fmt(f.target.value / 1000)} ms` },
      };
    }),
  });
  return chart({
    title: 'Command round trip, controller → emulator → controller (lower is better)',
    subtitle: subtitle(r),
    panels: [
      panel('inProcess', 'In-process (EmulatorBinding)', 'MockBinding echo'),
      panel('pty', 'Over a pty (emulator in its own process)', 'pty bridge alone'),
    ],
    legend: [
      { label: 'baseline: same bytes, nothing of ours', color: COLORS.baseline },
      { label: 'getStatus through ReaderClient', color: COLORS.ours },
    ],
    footnote: footnote(r, [maybe(r, 'inProcess.p99'), maybe(r, 'pty.p99')]),
  });
}

function suite(r: BenchResult): string {
  const wall = fig(r, 'wall');
  const speed = fig(r, 'speedup');
  const real = maybe(r, 'realTiming');
  const bars: Bar[] = [{ label: 'virtual clock (measured)', value: wall.value, color: COLORS.ours }];
  const groups: Group[] = [
    { label: 'virtual clock', bars, target: { value: 20, op: '<=', label: '≤ 20 s' } },
    { label: 'real timing (est.)', bars: [{ label: 'estimate', value: wall.baseline!.value, color: COLORS.baseline }] },
  ];
  if (real) groups.push({ label: 'real timing (measured)', bars: [{ label: 'measured', value: real.value, color: COLORS.other }] });
  return chart({
    title: `The whole emulator suite, ${String(wall.detail?.scenarios ?? '')} scenarios`,
    subtitle: subtitle(r),
    panels: [
      { title: 'Wall time, start-up included (lower is better)', yLabel: 'seconds', log: true, groups },
      {
        title: 'Speed-up of the injected clock (higher is better)',
        yLabel: '×',
        groups: [
          {
            label: 'real timing ÷ virtual',
            bars: [{ label: 'speed-up', value: speed.value, color: COLORS.ours }],
            target: { value: 50, op: '>=', label: '≥ 50×' },
          },
        ],
      },
    ],
    legend: [
      { label: 'measured, virtual clock', color: COLORS.ours },
      { label: 'real device timing, estimated', color: COLORS.baseline },
      ...(real ? [{ label: 'real device timing, measured', color: COLORS.other }] : []),
    ],
    footnote: footnote(r, [wall, speed]),
  });
}

function scale(r: BenchResult): string {
  const ns = [1, 10, 100, 500];
  const term = fig(r, 'n500terminal.perSecond');
  const rate: Group[] = ns.map((n) => {
    const f = fig(r, `n${n}.perSecond`);
    const bars: Bar[] = [{ label: 'link events', value: f.value, color: COLORS.ours, note: ratioNote(f) }];
    if (n === 500) bars.push({ label: 'with a Terminal each', value: term.value, color: COLORS.ours2 });
    return { label: `N = ${n}`, bars, target: f.target && { value: f.target.value, op: f.target.op, label: '≥ 1,000' } };
  });
  const mem: Group[] = [10, 100, 500].map((n) => {
    const f = fig(r, `n${n}.memoryPerReader`);
    const bars: Bar[] = [
      { label: 'bare serial stream', value: f.baseline!.value, color: COLORS.baseline },
      { label: 'reader + client', value: f.value, color: COLORS.ours },
    ];
    if (n === 500) bars.push({ label: 'with a Terminal', value: fig(r, 'n500terminal.memoryPerReader').value, color: COLORS.ours2 });
    return { label: `N = ${n}`, bars, target: { value: 1024, op: '<=', label: '≤ 1 MB' } };
  });
  return chart({
    title: 'N emulated readers in one process, face confirmations on one virtual clock',
    subtitle: subtitle(r),
    panels: [
      { title: 'Confirmations per second (×n = vs N = 1)', yLabel: 'confirmations/s', groups: rate },
      { title: 'Memory per reader after the run', yLabel: 'KB', groups: mem },
    ],
    legend: [
      { label: 'reader + ReaderClient (link events)', color: COLORS.ours },
      { label: '+ a Terminal per reader', color: COLORS.ours2 },
      { label: 'bare SerialPortStream', color: COLORS.baseline },
    ],
    footnote: footnote(r, r.figures),
    width: 900,
  });
}

function api(r: BenchResult): string {
  const rps = fig(r, 'status.rps');
  const p99 = fig(r, 'status.p99');
  return chart({
    title: 'GET /api/status under load (autocannon in its own process, loopback)',
    subtitle: subtitle(r),
    panels: [
      {
        title: 'Requests per second (higher is better)',
        yLabel: 'req/s',
        groups: [
          {
            label: '10 connections',
            bars: [
              { label: 'bare fastify', value: rps.baseline!.value, color: COLORS.baseline },
              { label: '/api/status', value: rps.value, color: COLORS.ours, note: ratioNote(rps) },
            ],
            target: { value: 10_000, op: '>=', label: '≥ 10,000' },
          },
        ],
      },
      {
        title: 'Latency p99, ms (lower is better; 1 ms resolution)',
        yLabel: 'ms',
        groups: [
          {
            label: '10 connections',
            bars: [
              { label: 'bare fastify', value: p99.baseline!.value, color: COLORS.baseline },
              { label: '/api/status', value: p99.value, color: COLORS.ours },
            ],
            target: { value: 10, op: '<=', label: '≤ 10 ms' },
          },
        ],
      },
    ],
    legend: [
      { label: 'bare fastify route (ceiling)', color: COLORS.baseline },
      { label: 'GET /api/status', color: COLORS.ours },
    ],
    footnote: footnote(r, [rps, p99]),
  });
}

export const CHARTS: Record<string, (r: BenchResult) => string> = { decoder, 'round-trip': roundTrip, suite, scale, api };
