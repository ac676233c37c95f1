/** The reader link: the only code the controller and the emulator share. Imports nothing of ours. */
export * from './crc16';
export * from './frame';
export * from './decoder';
export * from './fields';
export * from './codes';
export * from './messages';
export * from './screens';
export * from './shapes';
export * from './visual-verifier';
