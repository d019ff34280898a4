import * as fs from "fs";
import * as path from "path";
import { killPoint } from "./killPoint";

/**
 * Writes a file atomically: the data goes to a temporary sibling, is fsynced, then renamed over
 * the target. A crash mid-write leaves the previous file intact, never a truncated one.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(tmp, "w");
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    killPoint(`write:${path.basename(file)}`, () => {
      fs.writeSync(fd, bytes.subarray(0, bytes.length >> 1));
      fs.fsyncSync(fd);
    });
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

const TEMP_NAME = /\.tmp-(\d+)-[a-z0-9]*$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary siblings that `writeFileAtomic` left in `dir` (and its subfolders) when
 * its process died mid-write. Only files of processes that no longer exist are touched; nothing
 * ever reads a temporary file, so this is tidying, and a resumed run starts from a clean folder.
 * Returns the paths removed.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  if (!fs.existsSync(dir)) return removed;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removed.push(...removeStaleTemps(p));
    else {
      const m = TEMP_NAME.exec(e.name);
      if (m && !pidAlive(Number(m[1]))) {
        fs.rmSync(p, { force: true });
        removed.push(p);
      }
    }
  }
  return removed;
}

/** Writes JSON atomically (2-space indent, trailing newline). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Appends one line to a log with a single write(2) on an O_APPEND descriptor followed by fsync,
 * so concurrent appenders never interleave and a crash never leaves half of a line that
 * `readJsonLines` would accept.
 */
export function appendLineDurable(file: string, line: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "a");
  try {
    const text = Buffer.from(line.endsWith("\n") ? line : line + "\n");
    killPoint(`append:${path.basename(file)}`, () => {
      fs.writeSync(fd, text.subarray(0, text.length >> 1));
      fs.fsyncSync(fd);
    });
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a JSON-lines file, skipping a torn last line (a crash mid-append) but failing loudly,
 * with the file and line number, on a corrupt line in the middle.
 */
export function readJsonLines<T = unknown>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    try {
      out.push(JSON.parse(l) as T);
    } catch (e) {
      const isLast = lines.slice(i + 1).every((x) => !x.trim());
      if (isLast) break;
      throw new Error(`${file}:${i + 1}: corrupt JSON line (${(e as Error).message})`);
    }
  }
  return out;
}
