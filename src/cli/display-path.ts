import { isAbsolute, relative } from 'node:path';

/**
 * How the text and GitHub formats print a location in another file of the program (a block module, a package's
 * source): relative to the current directory, as the files given on the command line are, when it lies under it;
 * otherwise absolute (`../../usr/lib/...` would only be harder to read). `--json` keeps absolute paths.
 */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return file;
  return rel.replace(/\\/g, '/');
}
