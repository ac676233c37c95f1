import { expect } from 'chai';
import { SCREENS, type EventName, type ScreenName } from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { EmulatorError } from './errors';
import { ReaderModel, type ModelOptions } from './reader-model';

/** A ReaderModel on a virtual clock with every event it sends recorded (for the model's tests). */
export interface Sent {
  name: EventName;
  fields: Record<string, number | string>;
}

export function setup(opts: Partial<ModelOptions> = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const model = new ReaderModel({ clock, ...opts });
  const sent: Sent[] = [];
  model.attach((name, fields) => sent.push({ name, fields: fields as Record<string, number | string> }));
  const names = () => sent.map((e) => e.name);
  const of = (name: EventName) => sent.filter((e) => e.name === name).map((e) => e.fields);
  const screens = () => of('screenShown').map((f) => f.screen);
  const clear = () => sent.splice(0);
  /** Runs a stimulus and lets every device delay it starts play out on virtual time. */
  const act = async (fn: () => void | Promise<void>) => {
    await clock.resolve(Promise.resolve().then(fn));
    await clock.runUntilIdle();
  };
  /** A card placed and a method chosen: the start of most visits. */
  const visit = async (profile: string, method: 'face' | 'pin') => {
    await act(() => model.placeCard(profile));
    await act(() => model.chooseMethod(method));
  };
  return { clock, model, sent, names, of, screens, clear, act, visit };
}

export const screenId = (name: ScreenName) => SCREENS[name].id;

export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(EmulatorError);
    return (e as EmulatorError).code;
  }
  return undefined;
}

export async function rejectedCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(EmulatorError);
    return (e as EmulatorError).code;
  }
  return undefined;
}
