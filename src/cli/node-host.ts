// The program's file access for the command line: Node's fs, read-only.
import { promises as fs } from 'node:fs';
import type { FileHost } from '../core/index';

export const nodeHost: FileHost = {
  async readFile(path) {
    try {
      return await fs.readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  async stat(path) {
    try {
      const s = await fs.stat(path);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
    } catch {
      return undefined;
    }
  },
  async readDirectory(path) {
    try {
      return await fs.readdir(path);
    } catch {
      return [];
    }
  },
};
