/**
 * Blob upload sessions of the embedded registry: each session stages its bytes in a file of the upload
 * folder, appended chunk by chunk as request bodies stream in, until the final PUT hands the file to the
 * store (which verifies the digest).
 * @module
 */
import { join } from "node:path";
import { abortReason } from "../errors.ts";

/** One upload in progress. */
export interface UploadSession {
  readonly uuid: string;
  readonly repo: string;
  readonly path: string;
  /** Bytes received so far. */
  size: number;
  /** A request is writing to or finishing the session. */
  busy: boolean;
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
}

/** The sessions of one registry and their staging folder. */
export class UploadSessions {
  #dir: string | undefined;
  #ownDir: Promise<string> | undefined;
  #sessions = new Map<string, UploadSession>();

  /** `dir` is where uploads are staged; undefined: a temp folder created on first use, removed on close. */
  constructor(dir?: string) {
    this.#dir = dir;
  }

  async #folder(): Promise<string> {
    if (this.#dir !== undefined) {
      await Deno.mkdir(this.#dir, { recursive: true });
      return this.#dir;
    }
    this.#ownDir ??= Deno.makeTempDir({ prefix: "oc-mirror-uploads-" });
    return await this.#ownDir;
  }

  /** Starts a session for `repo` with an empty staging file. */
  async start(repo: string): Promise<UploadSession> {
    const uuid = crypto.randomUUID();
    const path = join(await this.#folder(), `${uuid}.upload`);
    await Deno.writeFile(path, new Uint8Array(0), { createNew: true });
    const s: UploadSession = { uuid, repo, path, size: 0, busy: false };
    this.#sessions.set(uuid, s);
    return s;
  }

  /** The session with this id, if it belongs to `repo`. */
  get(repo: string, uuid: string): UploadSession | undefined {
    const s = this.#sessions.get(uuid);
    return s?.repo === repo ? s : undefined;
  }

  /**
   * Appends a request body at the session's end and returns the bytes written. On failure the file is
   * cut back to where it was, so the client can resend the chunk.
   */
  async append(
    s: UploadSession,
    body: ReadableStream<Uint8Array> | null,
    signal?: AbortSignal,
  ): Promise<number> {
    if (body === null) return 0;
    const before = s.size;
    const file = await Deno.open(s.path, { write: true });
    const reader = body.getReader();
    let written = 0;
    try {
      await file.seek(before, Deno.SeekMode.Start);
      for (;;) {
        if (signal?.aborted) throw abortReason(signal);
        const { done, value } = await reader.read();
        if (done) break;
        await writeAll(file, value);
        written += value.byteLength;
      }
      s.size = before + written;
      return written;
    } catch (e) {
      reader.cancel(e).catch(() => {});
      await file.truncate(before).catch(() => {});
      throw e;
    } finally {
      reader.releaseLock();
      file.close();
    }
  }

  /** Cuts a session back to `size` bytes (undoing a chunk that failed a check). */
  async truncate(s: UploadSession, size: number): Promise<void> {
    await Deno.truncate(s.path, size);
    s.size = size;
  }

  /** Streams the staged bytes. */
  async read(s: UploadSession): Promise<ReadableStream<Uint8Array>> {
    const file = await Deno.open(s.path, { read: true });
    return file.readable;
  }

  /** Ends a session and removes its file. */
  async remove(s: UploadSession): Promise<void> {
    this.#sessions.delete(s.uuid);
    await Deno.remove(s.path).catch(() => {});
  }

  /** Removes every staged file (and the temp folder when this object created it). */
  async close(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    for (const s of sessions) await Deno.remove(s.path).catch(() => {});
    if (this.#ownDir !== undefined) {
      const dir = await this.#ownDir.catch(() => undefined);
      this.#ownDir = undefined;
      if (dir !== undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}
