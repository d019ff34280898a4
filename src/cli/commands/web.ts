import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Command } from "commander";
import { buildWebPage, DEFAULT_WEB_MODEL } from "../../web/build";
import { serveWebPage } from "../../web/server";

/**
 * `naslung web [--port n] [--out dir] [--model dir]`: builds the browser page (the shipped
 * ensemble scoring a dropped reading or DICOM series in tfjs, with attention and Grad-CAM) and
 * serves it on 127.0.0.1, or with `--out` only writes the static folder to host anywhere.
 */
export function register(program: Command): void {
  program
    .command("web")
    .description("build the in-browser nodule scorer (shipped ensemble, tfjs, attention and Grad-CAM overlays) and serve it on 127.0.0.1")
    .option("--port <n>", "port to serve on (0: any free port)", "8080")
    .option("--out <dir>", "only write the static page to this folder (host it with any web server)")
    .option("--model <dir>", "saved ensemble folder to ship in the page", DEFAULT_WEB_MODEL)
    .action(async (o: { port: string; out?: string; model: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port "${o.port}": expected an integer 0..65535`);
      const dir = o.out ?? path.join(os.tmpdir(), `naslung-web-${process.pid}`);
      const b = await buildWebPage(dir, o.model);
      console.log(`naslung web: built ${b.files.length} files in ${(b.ms / 1000).toFixed(1)} s (app.js ${(b.bundleBytes / 1e6).toFixed(1)} MB) at ${b.dir}`);
      if (o.out) return;
      const s = await serveWebPage(b.dir, port);
      console.log(`naslung web: serving ${s.url}  (research use, not diagnosis; Ctrl-C stops)`);
      // The build folder is this server's own scratch copy (not --out): remove it on the way out.
      const stop = () =>
        void s.close().then(() => {
          fs.rmSync(b.dir, { recursive: true, force: true });
          process.exit(0);
        });
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      await new Promise(() => undefined);
    });
}
