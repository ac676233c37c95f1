import { Capability, Mode, PROTOCOL_VERSION, capabilityBits, type CommandName, type StatusName } from '../src/protocol';
import type { CommandReply, HostCommand, ReaderBehavior } from './behaviors';
import type { EmulatedReader } from './emulated-reader';
import { EmulatorError } from './errors';
import type { Stimulus, StimulusAction } from './stimulus';

/**
 * What an emulated reader does by default: one behaviour per command of docs/protocol.md and one
 * per patient act of simulator/stimulus.ts, in the stack of simulator/behaviors.ts. The device's
 * state and its flow live in ReaderModel; these map an input onto it.
 */

/** Handles command `name` only. */
const command = (name: CommandName, answer: (reader: EmulatedReader, cmd: HostCommand, reply: CommandReply) => void): ReaderBehavior => ({
  onCommand(reader, cmd, reply) {
    if (cmd.name !== name) return false;
    answer(reader, cmd, reply);
    return true;
  },
});

/** Handles act `action` only. */
const act = <A extends StimulusAction>(
  action: A,
  run: (reader: EmulatedReader, s: Extract<Stimulus, { action: A }>) => void | Promise<void>,
): ReaderBehavior => ({
  onStimulus(reader, s) {
    if (s.action !== action) return false;
    return run(reader, s as Extract<Stimulus, { action: A }>) ?? true;
  },
});

const num = (cmd: HostCommand, field: string) => Number(cmd.fields[field]);

// ---- commands: what the terminal asks ------------------------------------------------------------

export const respondToHello = command('hello', (reader, cmd, reply) => {
  if (num(cmd, 'protocolVersion') !== PROTOCOL_VERSION) return reply.respond('hello', 'badVersion');
  const { protocolVersion, vendor, model, firmware, serial, capabilities } = reader.identity;
  // A host (re)connected: after this answer, whatever it never ACKed goes out again.
  reply.resendUnacked();
  reply.respond('hello', 'ok', { protocolVersion, vendor, model, firmware, serial, capabilities: capabilityBits(capabilities) });
});

export const respondToGetStatus = command('getStatus', (reader, _cmd, reply) => reply.respond('getStatus', 'ok', reader.model.status()));

export const respondToSetMode = command('setMode', (reader, cmd, reply) => {
  const mode = num(cmd, 'mode');
  // A reader acts on the capabilities it reports (PR-4.9-1).
  const needs = mode === Mode.pinOnly ? Capability.pinOnlyMode : mode === Mode.visual ? Capability.visualCheck : 0;
  if (needs && !reader.can(needs)) return reply.respond('setMode', 'unsupported');
  const status = reader.model.setMode(mode);
  reply.respond('setMode', status, status === 'ok' ? { mode } : undefined);
});

/** The visual-check commands need the visualCheck capability (PR-4.9-1). */
const visualCheck = (name: 'startVisualCheck' | 'executeVisualCheck' | 'cancelVisualCheck', answer: (reader: EmulatedReader, cmd: HostCommand) => StatusName) =>
  command(name, (reader, cmd, reply) => reply.respond(name, reader.can(Capability.visualCheck) ? answer(reader, cmd) : 'unsupported'));

export const respondToStartVisualCheck = visualCheck('startVisualCheck', (r, cmd) =>
  r.model.startVisualCheck(num(cmd, 'checkId'), String(cmd.fields.confirmationDate)),
);
export const respondToExecuteVisualCheck = visualCheck('executeVisualCheck', (r, cmd) => r.model.executeVisualCheck(num(cmd, 'checkId')));
export const respondToCancelVisualCheck = visualCheck('cancelVisualCheck', (r) => r.model.cancelVisualCheck());

export const respondToSetVisualPassword = command('setVisualPassword', (reader, cmd, reply) => {
  if (!reader.can(Capability.readerVisualCheck)) return reply.respond('setVisualPassword', 'unsupported');
  const setting = {
    salt: String(cmd.fields.salt),
    verifier: String(cmd.fields.verifier),
    maxWrong: num(cmd, 'maxWrong'),
    lockMinutes: num(cmd, 'lockMinutes'),
  };
  reply.respond('setVisualPassword', reader.model.setVisualPassword(setting));
});

export const respondToReset = command('reset', (reader, _cmd, reply) => reply.respond('reset', reader.model.reset()));

// ---- patient acts --------------------------------------------------------------------------------

export const placeCard = act('placeCard', (r, s) => r.model.placeCard(s.profile ?? 'normal'));
export const chooseMethod = act('chooseMethod', (r, s) => r.model.chooseMethod(s.method ?? 'face'));
export const presentFace = act('presentFace', (r, s) => r.model.presentFace(s.condition));
export const enterPin = act('enterPin', (r, s) => r.model.enterPin(s.pin));
/** Types the card's own PIN (the emulator knows it; a real patient would). */
export const enterCorrectPin = act('enterCorrectPin', (r) => r.model.enterPin(r.model.card?.profile.pin ?? '0000'));
/** Types a PIN that is certainly wrong for the card on the reader. */
export const enterWrongPin = act('enterWrongPin', (r) => r.model.enterPin(r.model.card?.profile.pin === '0000' ? '1111' : '0000'));
export const answerConsent = act('answerConsent', (r, s) => r.model.answerConsent(s.choice ?? 'all', s.items));
export const removeCard = act('removeCard', (r) => r.model.removeCard());
/** 目視確認 on the reader is offered only by a reader that reports readerVisualCheck (PR-4.9-1). */
export const chooseVisualCheck = act('chooseVisualCheck', (r) => {
  if (!r.can(Capability.readerVisualCheck)) throw new EmulatorError('EMU_ERR_NOT_OFFERED', '目視確認 (reader-side)', r.model.state);
  r.model.chooseVisualCheck();
});
export const enterFacilityPassword = act('enterFacilityPassword', (r, s) => r.model.enterFacilityPassword(s.password));
export const confirmVisually = act('confirmVisually', (r) => r.model.confirmVisually());

export const DEFAULT_BEHAVIORS: readonly ReaderBehavior[] = [
  respondToHello,
  respondToGetStatus,
  respondToSetMode,
  respondToStartVisualCheck,
  respondToExecuteVisualCheck,
  respondToCancelVisualCheck,
  respondToReset,
  respondToSetVisualPassword,
  placeCard,
  chooseMethod,
  presentFace,
  enterPin,
  enterCorrectPin,
  enterWrongPin,
  answerConsent,
  removeCard,
  chooseVisualCheck,
  enterFacilityPassword,
  confirmVisually,
];
