import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyManifest } from './manifest';
import { countVerdicts, overall, reportedVerdict } from './report';
import { readResults } from './results';
import { checkSignature, trustedFingerprint } from './signature';

export interface BundleVerification {
  ok: boolean;
  /** Files whose SHA-256 was checked against manifest.json. */
  checked: number;
  problems: string[];
  /** The verdict recomputed from the bundle's cucumber results. */
  verdict: 'PASS' | 'FAIL' | null;
  fingerprint: string | null;
}

/**
 * `certify --verify`: every file as the manifest says, the manifest signed by a trusted key, and the
 * report's verdict and counts the ones its own cucumber results give (a report is never believed
 * on its word).
 */
/** `trust`: fingerprints (sha256:…) or public key PEM files. */
export function verifyBundle(dir: string, opts: { trust: string[] }): BundleVerification {
  const m = verifyManifest(dir);
  let trust: string[];
  try {
    trust = opts.trust.map(trustedFingerprint);
  } catch (e) {
    return { ok: false, checked: m.checked, problems: [(e as Error).message], verdict: null, fingerprint: null };
  }
  const sig = checkSignature(dir, trust);
  const problems = [...m.problems, ...sig.problems];
  let verdict: BundleVerification['verdict'] = null;
  const cucumber = join(dir, 'cucumber.json');
  const report = join(dir, 'report.html');
  if (!existsSync(cucumber) || !existsSync(report)) {
    problems.push('cucumber.json and report.html must both be in the bundle');
  } else {
    try {
      const results = readResults(cucumber);
      verdict = overall(results);
      const want = countVerdicts(results);
      const said = reportedVerdict(readFileSync(report, 'utf8'));
      if (said.verdicts.length === 0) problems.push('report.html: no verdict found');
      for (const v of said.verdicts) if (v !== verdict) problems.push(`report.html: says verdict ${v}, but the cucumber results in the bundle give ${verdict}`);
      if (said.counts !== want) problems.push(`report.html: says ${said.counts ?? 'no counts'}, but the cucumber results give ${want}`);
    } catch (e) {
      problems.push(`cucumber.json: cannot be read (${(e as Error).message})`);
    }
  }
  return { ok: problems.length === 0, checked: m.checked, problems, verdict, fingerprint: sig.fingerprint };
}
