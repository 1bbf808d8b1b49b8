// The core's public API: the same code runs in Node (CLI, tests), the extension host, web workers and the webview.
export { initCore, isCoreReady, type WasmLoader } from './syntax';
export { AnalyzedDocument, sourceLanguageOf, type ContentChange } from './document';
export type { AnalyzeOptions } from './python/models';
export { parseShapeSpec, findCommentShape, parseInputComment } from './shape-comments';
export * from './types';
