export * from './cards';
export * from './emulated-reader';
export * from './errors';
export * from './face-matcher';
export * from './link-device';
export * from './mock-binding';
export * from './reader-model';
export * from './timing';
