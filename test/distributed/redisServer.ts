import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A real `redis-server` (Debian's) for the tests: bound to 127.0.0.1 only, on a free port, with
 * its data (append-only file) in a temporary folder, so `restart` keeps the queue as a
 * production server with persistence would.
 */
export class RedisServer {
  private proc: ChildProcess | null = null;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-redis-"));
  constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort());
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async launch(): Promise<void> {
    this.proc = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(this.port), "--dir", this.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes"], { stdio: "ignore" });
    const t0 = Date.now();
    for (;;) {
      const ok = await new Promise<boolean>((res) => {
        const c = net.connect(this.port, "127.0.0.1");
        c.once("connect", () => {
          c.write("PING\r\n");
          c.once("data", (d) => {
            c.destroy();
            res(d.toString().startsWith("+PONG"));
          });
        });
        c.once("error", () => res(false));
      });
      if (ok) return;
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server (SIGTERM: it flushes its append-only file first). */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.once("exit", () => res());
      p.kill("SIGTERM");
    });
  }

  async restart(downMs = 1000): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
