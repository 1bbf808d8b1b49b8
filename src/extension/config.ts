// The extension's settings, read in one place. Names match package.json's contributes.configuration.
import * as vscode from 'vscode';
import { parseShapeSetting } from '../core/presentation';
import type { DimJSON } from '../core/types';

export const SECTION = 'convLens';

export interface Settings {
  inlayHints: boolean;
  codeLens: boolean;
  /** Input used when a model has no shape comment or example input; empty means "symbolic". Names (B) stay symbolic. */
  defaultInputShape: DimJSON[];
  /** Why the defaultInputShape setting was ignored, when it was not a shape. */
  defaultInputShapeProblem: string | null;
  diagnosticsDelayMs: number;
  /** A python executable, an environment folder or a site-packages folder; empty = found automatically. */
  pythonPath: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const raw: unknown = config.get('defaultInputShape');
  const shape = parseShapeSetting(raw);
  const delay = config.get<number>('diagnostics.delay', 150);
  return {
    inlayHints: config.get<boolean>('inlayHints.enabled', true),
    codeLens: config.get<boolean>('codeLens.enabled', true),
    defaultInputShape: 'shape' in shape ? shape.shape : [],
    defaultInputShapeProblem: 'error' in shape
      ? `the setting convLens.defaultInputShape (${JSON.stringify(raw)}) is not a shape, so it is ignored: ${shape.error}`
      : null,
    diagnosticsDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : 150,
    pythonPath: config.get<string>('pythonPath', '').trim(),
  };
}
