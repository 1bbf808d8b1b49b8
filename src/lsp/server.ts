// `conv-lens lsp`: the core served over the Language Server Protocol, a thin adapter like the VS Code extension.
// It reads documents only through the protocol and executes nothing. A failing request gets an error
// response and the server keeps running; a failing notification is logged.
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  ErrorCodes,
  InlayHintKind,
  ResponseError,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type InlayHint,
  type Position,
  type TextDocumentContentChangeEvent,
  type TextEdit,
} from 'vscode-languageserver';
import {
  comparePositions, findHoverTarget, fixesAt, hoverMarkdown, layerTableMarkdown, modelSummary, sameLineRange, shapeHints, wordAt,
} from '../core/presentation';
import type { Analysis, Finding } from '../core/types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTIC_SOURCE, errorMessage, toDiagnostic, toLspRange } from './convert';
import { DocumentStore, pathOfUri } from './documents';
import { NotebookStore } from './notebooks';
import { homedir } from 'node:os';
import { Program, findEnvironment } from '../core';
import { nodeHost } from '../cli/node-host';
import { analyzeOptions, hasSection, readServerSettings, SECTION, type ServerSettings } from './settings';
import { asRange, isRecord, requireDocument, requirePosition, requireRange, requireString } from './params';

export const SHOW_LAYER_TABLE = 'convLens.showLayerTable';

export interface ServerOptions {
  /** The README that explains the finding codes (diagnostics link to `#code-<code>` in it). */
  docsUrl: string;
  version: string;
}

export function startLanguageServer(connection: Connection, options: ServerOptions): void {
  let settings: ServerSettings = readServerSettings(undefined);
  const pending = new Map<string, ReturnType<typeof setImmediate>>();
  let workspaceRoots: string[] = [];
  const program = new Program({ host: nodeHost });
  const store = new DocumentStore(analyzeOptions(settings), program, (uri) => {
    schedule(uri);
    refreshViews();
  });
  const notebooks = new NotebookStore(analyzeOptions(settings), program, (uri) => {
    schedule(uri);
    refreshViews();
  });
  let environmentFor: string | undefined | null = null;

  /** A document's text and analysis: a notebook cell's come from its notebook, analysed as one program. */
  function textOf(uri: string): TextDocument | undefined {
    return notebooks.notebookOf(uri) !== undefined ? notebooks.text(uri) : store.get(uri);
  }
  function analysisOf(uri: string): Analysis | undefined {
    return notebooks.notebookOf(uri) !== undefined ? notebooks.cellAnalysis(uri) : store.analysis(uri);
  }
  function allUris(): string[] {
    return [...store.uris(), ...notebooks.uris()];
  }

  /** The Python environment whose packages imports are read from: found again when pythonPath changes. */
  function findPythonEnvironment(): void {
    if (environmentFor === settings.pythonPath) return;
    environmentFor = settings.pythonPath;
    const setting = settings.pythonPath;
    void findEnvironment(nodeHost, {
      setting, workspaceRoots, virtualEnv: process.env['VIRTUAL_ENV'], condaPrefix: process.env['CONDA_PREFIX'], system: true, home: homedir(),
    }).then((env) => {
      program.setSitePackages(env?.sitePackages ?? []);
      log(env ? `Python environment: ${env.source}` : 'no Python environment found: installed packages (torchvision, timm) are not read; set convLens.pythonPath');
      for (const uri of allUris()) schedule(uri);
      refreshViews();
    }, (error: unknown) => log(`looking for the Python environment failed: ${errorMessage(error)}`));
  }

  function refreshViews(): void {
    if (canRefreshHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
    if (canRefreshLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }
  let canPullSettings = false;
  let canRefreshHints = false;
  let canRefreshLenses = false;

  const log = (message: string): void => connection.console.error(message);

  /** Wraps a request handler: bad params and internal failures become error responses, never a crash. */
  function request<P, R>(name: string, handler: (params: P) => R): (params: P) => R {
    return (params: P): R => {
      try {
        return handler(params);
      } catch (error) {
        if (error instanceof ResponseError) throw error;
        log(`${name} failed: ${errorMessage(error)}`);
        throw new ResponseError(ErrorCodes.InternalError, `conv-lens: ${name} failed: ${errorMessage(error)}`);
      }
    };
  }

  function notification<P>(name: string, handler: (params: P) => void): (params: P) => void {
    return (params: P): void => {
      try {
        handler(params);
      } catch (error) {
        log(`${name} ignored: ${errorMessage(error)}`);
      }
    };
  }

  function publish(uri: string): void {
    pending.delete(uri);
    if (notebooks.has(uri)) {
      publishNotebook(uri);
      return;
    }
    const doc = store.get(uri);
    if (!doc) return;
    try {
      const analysis = store.analysis(uri);
      if (!analysis) return;
      connection.sendDiagnostics({ uri, version: doc.version, diagnostics: analysis.findings.map((f) => toDiagnostic(f, uri, options.docsUrl)) });
    } catch (error) {
      // One bad file must not take the server down: log it and keep the last diagnostics.
      log(`analysis failed for ${uri}: ${errorMessage(error)}`);
    }
  }

  /** Each code cell of the notebook gets the problems of its own lines. */
  function publishNotebook(uri: string): void {
    try {
      const cellUri = (cell: number): string | undefined => notebooks.cellUri(uri, cell);
      for (const cell of notebooks.codeCells(uri)) {
        const analysis = notebooks.cellAnalysis(cell);
        if (!analysis) continue;
        const version = notebooks.text(cell)?.version;
        connection.sendDiagnostics({ uri: cell, ...(version === undefined ? {} : { version }), diagnostics: analysis.findings.map((f) => toDiagnostic(f, cell, options.docsUrl, cellUri)) });
      }
    } catch (error) {
      log(`analysis failed for ${uri}: ${errorMessage(error)}`);
    }
  }

  /** Changes arriving in one burst are analysed once, after the last of them. */
  function schedule(uri: string): void {
    if (pending.has(uri)) return;
    pending.set(uri, setImmediate(() => publish(uri)));
  }

  function applySettings(next: ServerSettings): void {
    settings = next;
    store.setOptions(analyzeOptions(settings));
    notebooks.setOptions(analyzeOptions(settings));
    findPythonEnvironment();
    for (const uri of allUris()) schedule(uri);
    refreshViews();
  }

  async function pullSettings(): Promise<void> {
    try {
      applySettings(readServerSettings(await connection.workspace.getConfiguration(SECTION)));
    } catch (error) {
      log(`could not read settings: ${errorMessage(error)}`);
    }
  }

  connection.onInitialize((params): InitializeResult => {
    const caps = params.capabilities;
    canPullSettings = caps.workspace?.configuration === true;
    canRefreshHints = caps.workspace?.inlayHint?.refreshSupport === true;
    canRefreshLenses = caps.workspace?.codeLens?.refreshSupport === true;
    workspaceRoots = (params.workspaceFolders ?? []).map((f) => pathOfUri(f.uri)).filter((p): p is string => p !== undefined);
    if (workspaceRoots.length === 0 && params.rootUri) {
      const root = pathOfUri(params.rootUri);
      if (root !== undefined) workspaceRoots = [root];
    }
    program.setProjectRoots(workspaceRoots);
    if (params.initializationOptions !== undefined && params.initializationOptions !== null) {
      settings = readServerSettings(params.initializationOptions);
      store.setOptions(analyzeOptions(settings));
      notebooks.setOptions(analyzeOptions(settings));
    }
    return {
      capabilities: {
        positionEncoding: 'utf-16',
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        // Python cells of any notebook type, sent with their notebook: the code cells are one program.
        notebookDocumentSync: { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] },
        hoverProvider: true,
        inlayHintProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [SHOW_LAYER_TABLE] },
      },
      serverInfo: { name: 'conv-lens', version: options.version },
    };
  });

  connection.onInitialized(() => {
    findPythonEnvironment();
    if (canPullSettings) void pullSettings();
  });

  connection.onDidChangeConfiguration(
    notification('workspace/didChangeConfiguration', (params: unknown) => {
      const raw = isRecord(params) ? params['settings'] : undefined;
      if (hasSection(raw)) applySettings(readServerSettings(raw));
      else if (canPullSettings) void pullSettings();
    }),
  );

  connection.onDidOpenTextDocument(
    notification('textDocument/didOpen', (params: unknown) => {
      const doc = isRecord(params) ? params['textDocument'] : undefined;
      if (!isRecord(doc)) throw new Error('didOpen without textDocument');
      const uri = requireString(doc, 'uri');
      const languageId = requireString(doc, 'languageId');
      const text = requireString(doc, 'text');
      const version = typeof doc['version'] === 'number' ? doc['version'] : 0;
      store.didOpen(uri, languageId, version, text);
      schedule(uri);
    }),
  );

  connection.onDidChangeTextDocument(
    notification('textDocument/didChange', (params: unknown) => {
      const uri = requireDocument(params);
      const doc = isRecord(params) && isRecord(params['textDocument']) ? params['textDocument'] : {};
      const version = typeof doc['version'] === 'number' ? doc['version'] : (store.get(uri)?.version ?? 0) + 1;
      const changes = isRecord(params) ? params['contentChanges'] : undefined;
      // Checked whole before any is applied, so a bad change cannot leave the text half edited.
      if (!Array.isArray(changes)) throw new Error('contentChanges must be an array');
      const checked: TextDocumentContentChangeEvent[] = changes.map((c: unknown) => {
        if (!isRecord(c) || typeof c['text'] !== 'string') throw new Error('a content change has no text');
        if (c['range'] === undefined) return { text: c['text'] };
        const range = asRange(c['range']);
        if (!range) throw new Error('a content change has an invalid range');
        return { range, text: c['text'] };
      });
      if (store.didChange(uri, version, checked)) {
        schedule(uri);
        for (const dependent of store.dependentsOf(uri)) schedule(dependent);
      }
    }),
  );

  connection.onDidCloseTextDocument(
    notification('textDocument/didClose', (params: unknown) => {
      const uri = requireDocument(params);
      const timer = pending.get(uri);
      if (timer !== undefined) clearImmediate(timer);
      pending.delete(uri);
      store.didClose(uri);
      // The problems go with the file.
      connection.sendDiagnostics({ uri, diagnostics: [] });
    }),
  );

  connection.notebooks.synchronization.onDidOpenNotebookDocument(
    notification('notebookDocument/didOpen', (params: unknown) => schedule(notebooks.didOpen(params))),
  );

  connection.notebooks.synchronization.onDidChangeNotebookDocument(
    notification('notebookDocument/didChange', (params: unknown) => {
      const changed = notebooks.didChange(params);
      if (!changed) return;
      for (const cell of changed.removed) connection.sendDiagnostics({ uri: cell, diagnostics: [] });
      schedule(changed.uri);
    }),
  );

  connection.notebooks.synchronization.onDidCloseNotebookDocument(
    notification('notebookDocument/didClose', (params: unknown) => {
      const id = isRecord(params) ? params['notebookDocument'] : undefined;
      if (!isRecord(id)) throw new Error('didClose without notebookDocument');
      const uri = requireString(id, 'uri');
      const timer = pending.get(uri);
      if (timer !== undefined) clearImmediate(timer);
      pending.delete(uri);
      for (const cell of notebooks.didClose(uri)) connection.sendDiagnostics({ uri: cell, diagnostics: [] });
    }),
  );

  connection.onHover(
    request('textDocument/hover', (params: unknown): Hover | null => {
      const uri = requireDocument(params);
      const position = requirePosition(params);
      const doc = textOf(uri);
      const analysis = analysisOf(uri);
      if (!doc || !analysis) return null;
      const text = doc.getText();
      const offset = doc.offsetAt(position);
      const target = findHoverTarget(analysis, offset, wordAt(text, offset));
      if (!target) return null;
      return { contents: { kind: 'markdown', value: hoverMarkdown(target) }, range: toLspRange(target.range) };
    }),
  );

  connection.languages.inlayHint.on(
    request('textDocument/inlayHint', (params: unknown): InlayHint[] | null => {
      const uri = requireDocument(params);
      const range = requireRange(params, 'range');
      const analysis = settings.inlayHints ? analysisOf(uri) : undefined;
      if (!analysis) return null;
      return shapeHints(analysis)
        .filter(({ position }) => within(position, range.start, range.end))
        .map(({ position, label, tooltip }) => ({
          position, label, kind: InlayHintKind.Type, paddingLeft: true,
          ...(tooltip === '' ? {} : { tooltip: { kind: 'markdown' as const, value: tooltip } }),
        }));
    }),
  );

  connection.onCodeAction(
    request('textDocument/codeAction', (params: unknown): CodeAction[] | null => {
      const uri = requireDocument(params);
      const range = requireRange(params, 'range');
      const context = isRecord(params) && isRecord(params['context']) ? params['context'] : {};
      const only = Array.isArray(context['only']) ? context['only'].filter((k): k is string => typeof k === 'string') : undefined;
      if (only && !only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`))) return [];
      const analysis = analysisOf(uri);
      if (!analysis) return null;
      const sent = Array.isArray(context['diagnostics']) ? context['diagnostics'] : [];
      // Edits in another notebook cell or file would land in this document at the wrong place.
      const here = fixesAt(analysis, range).filter(({ fix }) => fix.edits.every((e) => e.range.cell === undefined && e.range.file === undefined));
      return here.map(({ finding, fix }) => {
        const edits: TextEdit[] = fix.edits.map((e) => ({ range: toLspRange(e.range), newText: e.newText }));
        const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, isPreferred: fix.preferred, edit: { changes: { [uri]: edits } } };
        const diagnostic = sent.find((d) => matches(d, finding));
        if (diagnostic) action.diagnostics = [diagnostic];
        return action;
      });
    }),
  );

  connection.onCodeLens(
    request('textDocument/codeLens', (params: unknown): CodeLens[] | null => {
      const uri = requireDocument(params);
      const analysis = settings.codeLens ? analysisOf(uri) : undefined;
      if (!analysis) return null;
      const builds = analysis.models.some((m) => m.instantiated);
      // A notebook's model defined in another cell has its lens there.
      return analysis.models.filter((m) => m.range.cell === undefined && m.range.file === undefined).map((model) => {
        const line = model.range.start.line;
        return {
          range: { start: { line, character: 0 }, end: { line, character: 0 } },
          command: { title: modelSummary(model, builds), command: SHOW_LAYER_TABLE, arguments: [uri, model.name] },
        };
      });
    }),
  );

  // The code lens's command: the model's layer table as Markdown, for clients that show command results.
  connection.onExecuteCommand(
    request('workspace/executeCommand', (params: unknown): string | null => {
      const command = isRecord(params) ? params['command'] : undefined;
      if (command !== SHOW_LAYER_TABLE) throw new ResponseError(ErrorCodes.InvalidParams, `conv-lens: unknown command ${String(command)}`);
      const args = isRecord(params) && Array.isArray(params['arguments']) ? params['arguments'] : [];
      const [uri, name] = args as unknown[];
      if (typeof uri !== 'string' || typeof name !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `conv-lens: ${SHOW_LAYER_TABLE} takes [documentUri, modelName]`);
      const model = analysisOf(uri)?.models.find((m) => m.name === name);
      return model ? layerTableMarkdown(model, uri) : null;
    }),
  );

  connection.onShutdown(() => {
    for (const timer of pending.values()) clearImmediate(timer);
    pending.clear();
    notebooks.dispose();
    store.dispose();
  });

  connection.listen();
}

function within(p: Position, start: Position, end: Position): boolean {
  return comparePositions(start, p) <= 0 && comparePositions(p, end) <= 0;
}

/** The client's diagnostic for this finding (same source, code and range), to attach to the fix. */
function matches(diagnostic: unknown, finding: Finding): diagnostic is Diagnostic {
  if (!isRecord(diagnostic) || diagnostic['source'] !== DIAGNOSTIC_SOURCE || diagnostic['code'] !== finding.code) return false;
  const range = asRange(diagnostic['range']);
  return range !== undefined && sameLineRange(range, finding.range);
}
