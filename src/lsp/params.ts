// Checks on request parameters: a client that sends the wrong shape gets InvalidParams, not a crash.
import { ErrorCodes, ResponseError, type Position, type Range } from 'vscode-languageserver';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `conv-lens: ${message}`);
}

export function requireString(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw invalid(`${key} must be a string`);
  return value;
}

export function asPosition(value: unknown): Position | undefined {
  if (!isRecord(value)) return undefined;
  const { line, character } = value;
  return Number.isInteger(line) && Number.isInteger(character) && (line as number) >= 0 && (character as number) >= 0
    ? { line: line as number, character: character as number }
    : undefined;
}

export function asRange(value: unknown): Range | undefined {
  if (!isRecord(value)) return undefined;
  const start = asPosition(value['start']);
  const end = asPosition(value['end']);
  return start && end ? { start, end } : undefined;
}

/** `params.textDocument.uri`. */
export function requireDocument(params: unknown): string {
  const doc = isRecord(params) ? params['textDocument'] : undefined;
  if (!isRecord(doc) || typeof doc['uri'] !== 'string') throw invalid('textDocument.uri is missing');
  return doc['uri'];
}

export function requirePosition(params: unknown): Position {
  const position = isRecord(params) ? asPosition(params['position']) : undefined;
  if (!position) throw invalid('position must be {line, character} with non-negative integers');
  return position;
}

export function requireRange(params: unknown, key: string): Range {
  const range = isRecord(params) ? asRange(params[key]) : undefined;
  if (!range) throw invalid(`${key} must be {start, end} positions`);
  return range;
}
