// The server's settings, from initializationOptions, workspace/didChangeConfiguration or workspace/configuration.
// Names match the VS Code extension's (`convLens.defaultInputShape`, ...), so one settings block serves both.
import type { AnalyzeOptions } from '../core';
import { sym } from '../core/dims';
import { parseShapeSetting } from '../core/presentation';
import type { DimJSON } from '../core/types';

export const SECTION = 'convLens';

export interface ServerSettings {
  /** Input used when a model has no shape comment or example input; empty means "symbolic". Names (B) stay symbolic. */
  defaultInputShape: DimJSON[];
  inlayHints: boolean;
  codeLens: boolean;
  /** A python executable, environment folder or site-packages folder whose packages imports are read from. */
  pythonPath: string | undefined;
}

export const DEFAULT_SETTINGS: ServerSettings = { defaultInputShape: [], inlayHints: true, codeLens: true, pythonPath: undefined };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `inlayHints.enabled` written either dotted or nested (`inlayHints: { enabled: false }`). */
function lookup(section: Record<string, unknown>, path: string): unknown {
  if (path in section) return section[path];
  let value: unknown = section;
  for (const key of path.split('.')) value = isRecord(value) ? value[key] : undefined;
  return value;
}

/**
 * Reads a settings object: either the `convLens` section itself or an object holding it. Values that are
 * missing or of the wrong type keep their defaults, so a typo in a client's config cannot break analysis.
 */
export function readServerSettings(raw: unknown): ServerSettings {
  const section = isRecord(raw) && isRecord(raw[SECTION]) ? raw[SECTION] : raw;
  if (!isRecord(section)) return { ...DEFAULT_SETTINGS };
  // A string ("1,3,224,224", "[B, 3, 224, 224]") as the extension's setting, or a list of integers.
  const shape = parseShapeSetting(lookup(section, 'defaultInputShape'));
  const hints = lookup(section, 'inlayHints.enabled');
  const lens = lookup(section, 'codeLens.enabled');
  const pythonPath = lookup(section, 'pythonPath');
  return {
    defaultInputShape: 'shape' in shape ? shape.shape : [],
    inlayHints: typeof hints === 'boolean' ? hints : true,
    codeLens: typeof lens === 'boolean' ? lens : true,
    pythonPath: typeof pythonPath === 'string' && pythonPath !== '' ? pythonPath : undefined,
  };
}

/** Whether a didChangeConfiguration payload carries our section (clients that pull settings send null). */
export function hasSection(raw: unknown): boolean {
  return isRecord(raw) && isRecord(raw[SECTION]);
}

/** What the settings mean to the core. `pythonPath` joins here once AnalyzeOptions takes an import host. */
export function analyzeOptions(settings: ServerSettings): AnalyzeOptions {
  return settings.defaultInputShape.length > 0 ? { defaultInput: settings.defaultInputShape.map((d) => (typeof d === 'number' ? d : sym(d))) } : {};
}
