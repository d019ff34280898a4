import * as fs from "fs";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes a single-writer lock: `lockFile` is created exclusively (`wx`) and holds this process's
 * pid. A lock held by a live process (this one included) is refused with a message naming `what`
 * and the holder; a lock left by a process that no longer exists (kill -9) is taken over.
 * Returns the release function.
 */
export function acquireLock(lockFile: string, what: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(lockFile, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let pid = NaN;
      try {
        pid = Number(fs.readFileSync(lockFile, "utf8").trim());
      } catch {
        continue; // released between our create and read
      }
      if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || pidAlive(pid))) {
        throw new Error(`${what}: another process (pid ${pid}) is writing it; wait for it or stop it (lock ${lockFile})`);
      }
      fs.rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`${what}: could not take the lock ${lockFile}`);
}
