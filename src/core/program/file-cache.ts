// What the program has read from its host, kept across analyses. Lookups are synchronous (the interpreter is):
// a path not read yet is recorded as wanted and read before the next round of analysis.
import type { EntryKind, FileHost } from './host';

/** Larger imported files are not read: their names stay unknown. */
const MAX_IMPORTED_FILE = 1_000_000;

export class FileCache {
  private readonly texts = new Map<string, string | null>();
  private readonly kinds = new Map<string, EntryKind | null>();
  /** Open editor documents: their text wins over the disk. */
  private readonly overlays = new Map<string, string>();
  private readonly wantedTexts = new Set<string>();
  private readonly wantedKinds = new Set<string>();

  constructor(private readonly host: FileHost) {}

  /** The text, null when missing or unreadable, undefined when not read yet (it is then wanted). */
  text(path: string): string | null | undefined {
    const overlay = this.overlays.get(path);
    if (overlay !== undefined) return overlay;
    const t = this.texts.get(path);
    if (t === undefined) this.wantedTexts.add(path);
    return t;
  }

  /** The text if it is known, without asking for it to be read. */
  peek(path: string): string | null | undefined {
    return this.overlays.get(path) ?? this.texts.get(path);
  }

  kind(path: string): EntryKind | null | undefined {
    if (this.overlays.has(path)) return 'file';
    const k = this.kinds.get(path);
    if (k === undefined) this.wantedKinds.add(path);
    return k;
  }

  /** Every file read so far with its text. */
  *readFiles(): Iterable<[string, string]> {
    for (const [p, t] of this.texts) if (t !== null) yield [p, t];
  }

  get hasWanted(): boolean {
    return this.wantedTexts.size > 0 || this.wantedKinds.size > 0;
  }

  /** Reads everything the last round wanted. */
  async loadWanted(): Promise<void> {
    const texts = [...this.wantedTexts];
    const kinds = [...this.wantedKinds];
    this.wantedTexts.clear();
    this.wantedKinds.clear();
    await Promise.all([
      ...kinds.map(async (p) => {
        let k: EntryKind | undefined;
        try {
          k = await this.host.stat(p);
        } catch {
          k = undefined;
        }
        this.kinds.set(p, k ?? null);
      }),
      ...texts.map(async (p) => {
        let t: string | undefined;
        try {
          t = await this.host.readFile(p);
        } catch {
          t = undefined;
        }
        this.texts.set(p, t === undefined || t.length > MAX_IMPORTED_FILE ? null : t);
        if (!this.kinds.has(p)) this.kinds.set(p, t === undefined ? null : 'file');
      }),
    ]);
  }

  setOverlay(path: string, text: string): void {
    this.overlays.set(path, text);
  }

  clearOverlay(path: string): void {
    this.overlays.delete(path);
  }

  /** Forget what was read of a path (it changed on disk, or appeared or went away). */
  invalidate(path: string): void {
    this.texts.delete(path);
    this.kinds.delete(path);
  }

  /** Forget everything (a folder was renamed, the environment changed). */
  clear(): void {
    this.texts.clear();
    this.kinds.clear();
  }
}
