/** The kill test's patients (scripts/kill-test.ts): a seeded stream of visits over the emulator's control channel. */
import type { EmulatorControlClient } from '../simulator/control/client';
import type { ControlOps, SentOutcomeInfo } from '../simulator/control/protocol';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const PROFILES: Array<[string, number]> = [
  ['normal', 30],
  ['faceChangedSurgery', 10],
  ['infant', 10],
  ['bandaged', 10],
  ['pinTwoFailures', 8],
  ['faceAuthCard', 5],
  ['pinLocked', 5],
  ['certExpired', 5],
  ['notMyNumber', 5],
];

function pick<T>(rand: () => number, weighted: Array<[T, number]>): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of weighted) {
    if ((x -= w) < 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}

export interface PatientStats {
  transactions: number;
  confirmedSeen: number;
  stimulusErrors: number;
  drift: number;
  errorCodes: Map<string, number>;
}

/** Patients, one after another, until told to stop; each act a real pause after the last. */
export async function patients(control: EmulatorControlClient, rand: () => number, stop: { now: boolean }, stats: PatientStats): Promise<void> {
  const gap = () => sleep(8 + Math.floor(rand() * 50));
  const act = async (args: Record<string, unknown>): Promise<boolean> => {
    try {
      await control.call('stimulus', { reader: 0, ...args } as never);
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'ERR';
      stats.stimulusErrors++;
      stats.errorCodes.set(code, (stats.errorCodes.get(code) ?? 0) + 1);
      if (code === 'EMU_ERR_CONNECTION_CLOSED' || code === 'EMU_ERR_SHUTTING_DOWN') throw e;
      return false;
    }
  };
  const state = async () => (await control.call('status', { reader: 0 })).state;
  while (!stop.now) {
    const profile = pick(rand, PROFILES);
    const wrongFirst = rand() < 0.15 && profile !== 'pinTwoFailures';
    const consent = rand() < 0.7 ? 'all' : 'individual';
    const items = 1 + Math.floor(rand() * 7);
    stats.transactions++;
    if ((await state()) !== 'idle') await act({ action: 'removeCard' });
    await gap();
    if (!(await act({ action: 'placeCard', profile }))) continue;
    await gap();
    let s = await state();
    if (s === 'methodSelect') {
      // pinOnly was set: a reader that offers a choice was put back to another mode.
      stats.drift++;
      await act({ action: 'chooseMethod', method: 'face' });
      await gap();
      await act({ action: 'presentFace' });
      s = await state();
    }
    if (s === 'pinEntry') {
      if (wrongFirst) {
        await act({ action: 'enterWrongPin' });
        await gap();
      }
      if ((await state()) === 'pinEntry') await act({ action: 'enterCorrectPin' });
      await gap();
      s = await state();
    }
    if (s === 'consent') {
      stats.confirmedSeen++;
      await act(consent === 'all' ? { action: 'answerConsent', choice: 'all' } : { action: 'answerConsent', choice: 'individual', items });
      await gap();
    }
    await act({ action: 'removeCard' });
    await gap();
  }
}

export async function allOutcomes(control: EmulatorControlClient): Promise<{ serial: string; sent: SentOutcomeInfo[]; unacked: number; pending: number }> {
  const sent: SentOutcomeInfo[] = [];
  let from: number | null = 0;
  let head = { serial: '', unacked: 0, pending: 0 };
  while (from !== null) {
    const r: ControlOps['confirmations']['result'] = await control.call('confirmations', { reader: 0, from, limit: 2000 });
    head = { serial: r.serial, unacked: r.unacked, pending: r.pending };
    sent.push(...r.confirmations);
    from = r.next;
  }
  return { ...head, sent };
}
