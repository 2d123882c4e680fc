/**
 * htpasswd files as `docker-registry` reads them: `user:hash` lines with bcrypt hashes (`$2y$`, `$2a$`,
 * `$2b$`, as written by `htpasswd -B`), and Basic credentials checked against them. Successful checks
 * are remembered per credential pair, so a client that sends Basic auth on every request pays for
 * bcrypt once.
 * @module
 */
import bcrypt from "bcryptjs";
import { createHash } from "node:crypto";
import { UsageError } from "../errors.ts";

const BCRYPT_RE = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const MAX_REMEMBERED = 1024;

/** Users and bcrypt hashes of an htpasswd file. */
export class Htpasswd {
  readonly file: string;
  #hashes: Map<string, string>;
  #verified = new Set<string>();

  private constructor(file: string, hashes: Map<string, string>) {
    this.file = file;
    this.#hashes = hashes;
  }

  /** Parses htpasswd text; `file` names it in errors. Rejects entries that are not bcrypt. */
  static parse(text: string, file: string): Htpasswd {
    const hashes = new Map<string, string>();
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const colon = line.indexOf(":");
      const user = colon > 0 ? line.slice(0, colon) : "";
      const hash = line.slice(colon + 1);
      if (user === "") {
        throw new UsageError(`htpasswd file ${file}:${i + 1} has no "user:hash" entry`);
      }
      if (!BCRYPT_RE.test(hash)) {
        throw new UsageError(
          `htpasswd file ${file}:${
            i + 1
          }: the hash of user "${user}" is not bcrypt, the only kind the registry accepts`,
          { hint: `Create the entry with "htpasswd -B ${file} ${user}"` },
        );
      }
      hashes.set(user, hash);
    }
    return new Htpasswd(file, hashes);
  }

  /** Reads and parses an htpasswd file. */
  static async load(file: string): Promise<Htpasswd> {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (cause) {
      throw new UsageError(`Cannot read htpasswd file ${file}`, { cause });
    }
    return Htpasswd.parse(text, file);
  }

  /** The number of users. */
  get size(): number {
    return this.#hashes.size;
  }

  /** True when the user exists and the password matches its hash. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.#hashes.get(user);
    if (hash === undefined) return false;
    const key = createHash("sha256").update(`${user}\0${password}\0${hash}`).digest("hex");
    if (this.#verified.has(key)) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    if (this.#verified.size >= MAX_REMEMBERED) this.#verified.clear();
    this.#verified.add(key);
    return true;
  }

  /** Checks an `Authorization` header value; true for valid Basic credentials. */
  async verifyHeader(authorization: string | null): Promise<boolean> {
    const m = authorization === null ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!m?.[1]) return false;
    let decoded: string;
    try {
      decoded = new TextDecoder("utf-8", { fatal: true }).decode(
        Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)),
      );
    } catch {
      return false;
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    return await this.verify(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
}
