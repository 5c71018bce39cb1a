// The database check against real servers on loopback: the PostgreSQL cluster from
// scripts/start-postgres, a real redis-server (Debian package) on an ephemeral port, and raw TCP
// servers for the refused / silent cases (fault 7). Every failure message is asserted to hold no
// DSN, user name or password.
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { performance } from "node:perf_hooks";
import { AbortReason, childSignal, deadlineReason, timeoutReason } from "../../verification/abort";
import { classifyDbError, dbTarget, definition } from "../../verification/checks/database";
import { checkSchema, type CheckConfigOf } from "../../verification/schema";
import type { AttemptOutcome } from "../../verification/types";
import { ensurePostgres, pgUrl, type PgFacts } from "../fixtures/postgres";

const CANARY = "canary-Db-pw-7f3a9c";

async function attempt(url: string, timeoutMs = 5000, signal?: AbortSignal): Promise<AttemptOutcome> {
  const config = checkSchema.parse({ name: "db", type: "database", url }) as CheckConfigOf<"database">;
  const child = childSignal(signal, timeoutMs + 1000, () => timeoutReason(timeoutMs));
  try {
    return await definition.attempt(config, { signal: child.signal, timeoutMs });
  } finally {
    child.dispose();
  }
}

/** Nothing in the outcome may reveal the URL, the user or the password. */
function assertNoSecrets(out: AttemptOutcome, url: string, secrets: string[]): void {
  const all = JSON.stringify(out);
  for (const s of [url, ...secrets]) assert.ok(!all.includes(s), `outcome leaks ${JSON.stringify(s)}: ${all}`);
  assert.ok(!/[a-z]+:\/\/[^\s]*@/.test(all), `outcome holds a URL with userinfo: ${all}`);
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A TCP server that accepts and never says a word: the "timed out" case. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => {
      sockets.forEach((s) => s.destroy());
      srv.close(() => r());
    }),
  };
}

describe("database check: PostgreSQL (real server from scripts/start-postgres)", function () {
  this.timeout(90_000);
  let pg: PgFacts;
  before(() => {
    pg = ensurePostgres();
  });

  it("passes with a SELECT 1 round trip", async () => {
    const out = await attempt(pgUrl(pg));
    assert.equal(out.status, "passed", out.message);
    assert.match(out.message, new RegExp(`^SELECT 1 answered in [\\d.]+ms \\(postgres 127\\.0\\.0\\.1:${pg.port}\\)$`));
    const m = out.measurements as Record<string, number>;
    assert.ok(m.roundTripMs > 0 && m.roundTripMs >= m.queryMs);
    assert.equal((out.measurements as Record<string, unknown>).verified, "postgres protocol round trip (SELECT 1)");
    assert.ok(!JSON.stringify(out).includes(pg.password));
  });

  it("fails a wrong password with SQLSTATE 28P01 and no DSN, user or password in the message", async () => {
    const url = pgUrl(pg, { password: CANARY });
    const out = await attempt(url);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "authentication failed (SQLSTATE 28P01)");
    assertNoSecrets(out, url, [CANARY, "acv2:", 'user "acv2"']);
  });

  it("fails a missing database with SQLSTATE 3D000", async () => {
    const url = pgUrl(pg, { database: "no_such_db" });
    const out = await attempt(url);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "database does not exist (SQLSTATE 3D000)");
    assertNoSecrets(out, url, [pg.password, "no_such_db"]);
  });

  it("fails a refused connection (closed port)", async () => {
    const port = await freePort();
    const url = pgUrl(pg, { port, password: CANARY });
    const out = await attempt(url);
    assert.equal(out.status, "failed");
    assert.equal(out.message, `connection refused (127.0.0.1:${port})`);
    assertNoSecrets(out, url, [CANARY]);
  });

  it("ends ERROR 'timed out' within the timeout when the server accepts but never answers", async () => {
    const srv = await silentServer();
    try {
      const url = `postgresql://acv2:${CANARY}@127.0.0.1:${srv.port}/acv2`;
      const t0 = performance.now();
      const out = await attempt(url, 600);
      const took = performance.now() - t0;
      assert.equal(out.status, "error");
      assert.equal(out.message, `timed out after 0.6s (127.0.0.1:${srv.port})`);
      assert.ok(took >= 550 && took < 1200, `took ${took}ms`);
      assertNoSecrets(out, url, [CANARY]);
    } finally {
      await srv.close();
    }
  });

  it("stops at once with the runner's reason when the suite deadline aborts it", async () => {
    const srv = await silentServer();
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(deadlineReason()), 200);
    try {
      const t0 = performance.now();
      const out = await attempt(`postgres://u:${CANARY}@127.0.0.1:${srv.port}/x`, 5000, ctl.signal);
      assert.equal(out.status, "error");
      assert.equal(out.message, "deadline exceeded");
      assert.ok(performance.now() - t0 < 1000);
    } finally {
      await srv.close();
    }
  });
});

describe("database check: Redis PING (real redis-server) and plain TCP", function () {
  this.timeout(30_000);
  let redis: ChildProcess | undefined;
  let redisPort = 0;
  const redisPw = "redis-test-pw-91c2";
  before(async function () {
    if (spawnSync("sh", ["-c", "command -v redis-server"]).status !== 0) {
      // .ci/run installs redis-server; without it these tests would prove nothing, so fail loudly.
      throw new Error("redis-server not installed (apt-get install -y redis-server)");
    }
    redisPort = await freePort();
    // Config on stdin (`redis-server -`), so the password is not on a command line.
    redis = spawn("redis-server", ["-"], { stdio: ["pipe", "pipe", "pipe"] });
    redis.stdin?.end(`port ${redisPort}\nbind 127.0.0.1\nsave ""\nappendonly no\nrequirepass ${redisPw}\n`);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("redis-server did not become ready")), 10_000);
      redis?.stdout?.on("data", (d: Buffer) => {
        if (/Ready to accept connections/.test(d.toString())) {
          clearTimeout(t);
          resolve();
        }
      });
      redis?.once("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
    });
  });
  after(() => {
    redis?.kill("SIGTERM");
  });

  it("passes a PING with the right password", async () => {
    const out = await attempt(`redis://:${redisPw}@127.0.0.1:${redisPort}/0`);
    assert.equal(out.status, "passed", out.message);
    assert.match(out.message, new RegExp(`^PING answered in [\\d.]+ms \\(redis 127\\.0\\.0\\.1:${redisPort}\\)$`));
  });

  it("fails a wrong password as an authentication failure without echoing it", async () => {
    const url = `redis://default:${CANARY}@127.0.0.1:${redisPort}/0`;
    const out = await attempt(url);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "authentication failed (WRONGPASS)");
    assertNoSecrets(out, url, [CANARY]);
  });

  it("fails a refused Redis connection at once, with no retry loop", async () => {
    const port = await freePort();
    const t0 = performance.now();
    const out = await attempt(`redis://:${CANARY}@127.0.0.1:${port}`);
    assert.equal(out.status, "failed");
    assert.equal(out.message, `connection refused (127.0.0.1:${port})`);
    assert.ok(performance.now() - t0 < 1000);
  });

  // Issue 11.8: an accept proves a listener, not a database; before, this read "TCP connect answered".
  it("falls back to a TCP connect for other schemes, reported as tcp-accept only; closed port fails", async () => {
    const srv = await silentServer();
    try {
      const ok = await attempt(`tcp://127.0.0.1:${srv.port}`);
      assert.equal(ok.status, "passed");
      assert.match(ok.message, new RegExp(`^tcp-accept only: 127\\.0\\.0\\.1:${srv.port} accepted a TCP connection in [\\d.]+ms; no database protocol was spoken, so the database itself is unverified$`));
      assert.equal((ok.measurements as Record<string, unknown>).verified, "tcp-accept only");
      const my = await attempt(`mysql://root:${CANARY}@127.0.0.1:${srv.port}/app`);
      assert.match(my.message, /^tcp-accept only: .*no mysql protocol was spoken/);
      assert.doesNotMatch(JSON.stringify(my), /database ok|answered/i);
      assertNoSecrets(my, `mysql://root:${CANARY}@127.0.0.1:${srv.port}/app`, [CANARY]);
    } finally {
      await srv.close();
    }
    const port = await freePort();
    const url = `mysql://root:${CANARY}@127.0.0.1:${port}/app`;
    const bad = await attempt(url);
    assert.equal(bad.status, "failed");
    assert.equal(bad.message, `connection refused (127.0.0.1:${port})`);
    assertNoSecrets(bad, url, [CANARY]);
  });
});

describe("database check: pure parts", () => {
  it("derives protocol and default ports without keeping credentials", () => {
    assert.deepEqual(dbTarget(`postgresql://u:${CANARY}@db.internal/app`), { protocol: "postgres", scheme: "postgresql", host: "db.internal", port: 5432 });
    assert.deepEqual(dbTarget("rediss://cache:6380"), { protocol: "redis", scheme: "rediss", host: "cache", port: 6380 });
    assert.deepEqual(dbTarget("mysql://x@[::1]/d"), { protocol: "tcp", scheme: "mysql", host: "::1", port: 3306 });
    assert.throws(() => dbTarget("tcp://host-without-port"), /^Error: url needs a port for scheme tcp$/);
  });

  it("classifies DNS failures as ERROR naming DNS, and aborts by their reason", () => {
    const t = dbTarget("postgres://db.example.invalid/app");
    assert.deepEqual(classifyDbError(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }), t, 1000).message, "DNS lookup failed for db.example.invalid (ENOTFOUND)");
    assert.equal(classifyDbError(new AbortReason("interrupted", "interrupted"), t, 1000).status, "error");
    // A driver message quoting the user is never passed through.
    const leaky = Object.assign(new Error(`password authentication failed for user "admin" at postgres://admin:${CANARY}@x`), { code: "XX999" });
    const out = classifyDbError(leaky, t, 1000);
    assert.equal(out.message, "server rejected the connection (SQLSTATE XX999)");
  });
});
