// The core's public API: the same code runs in Node (CLI, tests), the extension host, web workers and the webview.
export { initCore, isCoreReady, type WasmLoader } from './syntax';
export { AnalyzedDocument, sourceLanguageOf, type ContentChange } from './document';
export type { AnalyzeOptions } from './python/models';
export { parseShapeSpec, findCommentShape, parseInputComment } from './shape-comments';
export * from './types';
export { Program, type ProgramOptions } from './program/program';
export { memoryHost, type FileHost, type EntryKind } from './program/host';
export { findEnvironment, type EnvironmentQuery, type PythonEnvironment } from './program/environment';
export { parseIpynb, notebookProgram, analysisByCell, cellView, toCellRange, programOffset, cellPosition, blankIPython, type NotebookCell, type NotebookProgram, type CellKind } from './notebook';
