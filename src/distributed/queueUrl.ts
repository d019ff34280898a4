import type { RedisOptions } from "ioredis";

/** Where a distributed search's jobs live: a Redis server and a BullMQ queue on it. */
export interface QueueTarget {
  /** ioredis options (BullMQ needs `maxRetriesPerRequest: null` for blocking worker commands). */
  connection: RedisOptions;
  /** BullMQ queue name (`?queue=` in the URL; default `naslung`). */
  queueName: string;
  /** The URL with its password hidden, for messages and the progress line. */
  display: string;
}

/**
 * Parses `redis://[user:password@]host[:port][/db][?queue=name]` or `rediss://…` (TLS; the
 * server certificate is verified against the system CAs, or `?ca=/path/ca.pem`). Errors name the
 * option and the problem; a password is never echoed back.
 */
export function parseQueueUrl(url: string, option = "--queue"): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${option}: "${url}" is not a URL; expected redis://host:port[/db] or rediss://host:port[/db]`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new Error(`${option}: scheme "${u.protocol}" is not redis: or rediss: (expected redis://host:port[/db])`);
  }
  if (!u.hostname) throw new Error(`${option}: no host in "${url}"`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw new Error(`${option}: database "${dbText}" must be an integer 0..15`);
  const queueName = u.searchParams.get("queue") ?? "naslung";
  if (!/^[\w.-]+$/.test(queueName)) throw new Error(`${option}: queue name "${queueName}" must be letters, digits, . _ -`);
  for (const k of u.searchParams.keys()) {
    if (k !== "queue" && k !== "ca") throw new Error(`${option}: unknown URL parameter "${k}" (known: queue, ca)`);
  }
  const connection: RedisOptions = {
    host: u.hostname,
    port,
    db,
    maxRetriesPerRequest: null,
    // Reconnect forever with a capped back-off: a Redis restart is waited out, not fatal.
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
  if (u.username) connection.username = decodeURIComponent(u.username);
  if (u.password) connection.password = decodeURIComponent(u.password);
  if (u.protocol === "rediss:") {
    const ca = u.searchParams.get("ca");
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    connection.tls = ca ? { ca: require("fs").readFileSync(ca), servername: u.hostname } : { servername: u.hostname };
  }
  const shown = new URL(url);
  if (shown.password) shown.password = "***";
  return { connection, queueName, display: shown.toString() };
}
