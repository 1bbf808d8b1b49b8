// A scripted LSP client over a child process's stdio: Content-Length framing written by hand, so a test
// can also send what a broken client would (bad JSON, missing params) and see that the server survives.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface Message {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export class LspClient {
  readonly process: ChildProcessWithoutNullStreams;
  readonly received: Message[] = [];
  stderr = '';
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  private readonly exited: Promise<number | null>;

  /** `configuration` is the answer to each item of workspace/configuration (null: "no settings", as a bare client says). */
  constructor(command: string, args: string[], cwd: string, private readonly configuration: unknown = null) {
    this.process = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.process.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (!Number.isFinite(length)) throw new Error(`bad header from server: ${header}`);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      const message = JSON.parse(body) as Message;
      this.received.push(message);
      // Server-to-client requests (workspace/configuration, refreshes) get an empty answer, as a minimal client's would.
      if (message.method !== undefined && message.id !== undefined) {
        const items = (message.params as { items?: unknown[] } | undefined)?.items ?? [];
        this.send({ jsonrpc: '2.0', id: message.id, result: message.method === 'workspace/configuration' ? items.map(() => this.configuration) : null });
      }
      for (const waiter of [...this.waiters]) {
        if (waiter.match(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    }
  }

  sendRaw(body: string): void {
    this.process.stdin.write(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`);
  }

  send(message: Message): void {
    this.sendRaw(JSON.stringify(message));
  }

  /** Resolves with the first message (already received from `since` on, or still to come) that matches. */
  waitFor(match: (m: Message) => boolean, what: string, timeoutMs = 20_000, since = 0): Promise<Message> {
    const seen = this.received.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends a request and resolves with the whole response (result or error). */
  request(method: string, params?: unknown): Promise<Message> {
    const id = this.nextId++;
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.waitFor((m) => m.id === id && m.method === undefined, `the response to ${method}`);
  }

  notify(method: string, params?: unknown): void {
    this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** The next publishDiagnostics for `uri` after the message count `since`, optionally of one version. */
  diagnostics(uri: string, since: number, version?: number): Promise<Message> {
    return this.waitFor(
      (m) => {
        const p = m.params as { uri?: string; version?: number } | undefined;
        return m.method === 'textDocument/publishDiagnostics' && p?.uri === uri && (version === undefined || p.version === version);
      },
      `diagnostics for ${uri}${version === undefined ? '' : ` version ${version}`}`,
      20_000,
      since,
    );
  }

  exit(): Promise<number | null> {
    return this.exited;
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}
