// The extension's settings, read in one place. Names match package.json's contributes.configuration.
import * as vscode from 'vscode';
import { isConcreteShape } from '../core/presentation';
import type { DimJSON } from '../core/types';

export const SECTION = 'convLens';

export interface Settings {
  inlayHints: boolean;
  codeLens: boolean;
  /** Input used when a model has no shape comment or example input; empty means "symbolic". */
  defaultInputShape: number[];
  diagnosticsDelayMs: number;
  /** A python executable, an environment folder or a site-packages folder; empty = found automatically. */
  pythonPath: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const shape: unknown = config.get('defaultInputShape');
  const delay = config.get<number>('diagnostics.delay', 150);
  return {
    inlayHints: config.get<boolean>('inlayHints.enabled', true),
    codeLens: config.get<boolean>('codeLens.enabled', true),
    defaultInputShape: isConcreteShape(shape) ? shape : [],
    diagnosticsDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : 150,
    pythonPath: config.get<string>('pythonPath', '').trim(),
  };
}

export function isShapeWithoutSymbols(shape: DimJSON[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}
