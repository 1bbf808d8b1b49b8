// Editor-neutral presentation of analyses: shared by the desktop extension, the web extension and the CLI.
export * from './numbers';
export * from './shapes';
export * from './docs';
export * from './hover';
export * from './summary';
export * from './shapeComment';
export * from './inlayHints';
export * from './fixes';
export * from './cellModel';
