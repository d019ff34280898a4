import * as fs from "fs";
import * as path from "path";

/**
 * Writes a file atomically: the data goes to a temporary sibling, is fsynced, then renamed over
 * the target. A crash mid-write leaves the previous file intact, never a truncated one.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
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
    fs.writeSync(fd, line.endsWith("\n") ? line : line + "\n");
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
