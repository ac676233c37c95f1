/**
 * The same scenarios must reach the same verdicts on every profile: compares cucumber JSON reports
 * scenario by scenario against the first (the baseline). A node:test file, one test case per
 * profile pair:
 *
 *   sh scripts/lib/node-test.sh verdicts scripts/compare-verdicts.ts BASELINE.json OTHER.json…
 */
import { basename } from 'node:path';
import { test } from 'node:test';
import { readResults, type Verdict } from '../src/certify/results';

type Verdicts = Map<string, Verdict>;

export function loadVerdicts(file: string): Verdicts {
  return new Map(readResults(file).map((r) => [`${r.file}:${r.line} ${r.name}`, r.verdict]));
}

/**
 * What differs between two profiles' verdicts. N/A is not a verdict: a scenario one profile cannot
 * run (with its reason in the report) is left out and counted.
 */
export function diffVerdicts(base: Verdicts, theirs: Verdicts, names: [string, string]): { diffs: string[]; compared: number; na: number } {
  const diffs: string[] = [];
  let na = 0;
  for (const [k, v] of base) {
    if (v === 'N/A' || theirs.get(k) === 'N/A') {
      na++;
      continue;
    }
    if (theirs.get(k) !== v) diffs.push(`${k}: ${names[0]} ${v}, ${names[1]} ${theirs.get(k) ?? 'missing'}`);
  }
  for (const k of theirs.keys()) if (!base.has(k)) diffs.push(`${k}: only in ${names[1]}`);
  return { diffs, compared: base.size - na, na };
}

if (require.main === module) {
  const [baseline, ...others] = process.argv.slice(2);
  if (!baseline || others.length === 0) {
    process.stderr.write('usage: node -r ts-node/register scripts/compare-verdicts.ts BASELINE.json OTHER.json…\n');
    process.exit(2);
  }
  let base: Verdicts | Error;
  try {
    base = loadVerdicts(baseline);
  } catch (e) {
    base = e as Error;
  }
  for (const other of others) {
    const names: [string, string] = [basename(baseline), basename(other)];
    let title = `identical verdicts: ${names[0]} vs ${names[1]}`;
    let diffs: string[];
    try {
      if (base instanceof Error) throw new Error(`cannot read ${baseline}: ${base.message}`);
      const d = diffVerdicts(base, loadVerdicts(other), names);
      diffs = d.diffs;
      title += ` (${d.compared} scenarios compared, ${d.na} N/A on one side)`;
    } catch (e) {
      diffs = [(e as Error).message];
    }
    test(title, () => {
      if (diffs.length) throw new Error([...diffs.slice(0, 20), ...(diffs.length > 20 ? [`… and ${diffs.length - 20} more`] : [])].join('\n'));
    });
  }
}
