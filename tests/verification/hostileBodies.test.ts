// Issue 11.2: a body the suite cannot read completely is never a pass, and a body the server
// encoded (gzip, deflate, br, a byte-order mark) is decoded and judged, never skipped. Every
// route below ends its body with "degraded" or hides it, so skipping the body would pass.
import { strict as assert } from "node:assert";
import { runSuite } from "../../verification/runner";
import type { CheckResult } from "../../verification/types";
import { startHostileServer, type HostileServer } from "../fixtures/hostileServer";
import { config } from "./helpers";

async function one(h: HostileServer, check: Record<string, unknown>): Promise<CheckResult> {
  const report = await runSuite(config({ baseUrl: h.url, deadlineSeconds: 60, checks: [{ name: "c", timeoutSeconds: 20, ...check } as never] }));
  return report.checks[0];
}
const health = (h: HostileServer, path: string) => one(h, { type: "health", path });
const api = (h: HostileServer, path: string, expectJson: Record<string, unknown>) => one(h, { type: "api", endpoints: [{ path, expectJson }] });

describe("hostile targets: bodies past the cap, compressed or BOM-prefixed (issue 11.2)", function () {
  this.timeout(120_000);
  let h: HostileServer;
  before(async () => {
    h = await startHostileServer();
  });
  after(() => h.close());

  it("control: a plain {status: ok} passes both checks", async () => {
    assert.equal((await health(h, "/ok")).status, "passed");
    assert.equal((await api(h, "/ok", { status: "ok" })).status, "passed");
  });

  it("a body past the 1 MiB read cap: health FAILED and api expectJson FAILED, both saying it was too large", async () => {
    const hr = await health(h, "/big");
    assert.equal(hr.status, "failed", hr.message);
    assert.match(hr.message, /^GET \/big 200 but the body is larger than the 1 MiB read cap, so it cannot be judged$/);
    const ar = await api(h, "/big", { status: "ok" });
    assert.equal(ar.status, "failed", ar.message);
    assert.match(ar.message, /body is larger than the 1 MiB read cap, so it cannot be judged: expectJson not met/);
  });

  it("a gzip bomb (16 MiB behind 16 KiB) is too large, not decoded into memory", async () => {
    const before = process.memoryUsage().rss;
    const hr = await health(h, "/gzip-bomb");
    assert.equal(hr.status, "failed", hr.message);
    assert.match(hr.message, /read cap, so it cannot be judged \(after gzip decoding\)/);
    // Generous: the point is "not 16 MiB per copy", on a machine where GC timing is noisy.
    assert.ok(process.memoryUsage().rss - before < 64 << 20, "RSS grew by more than 64 MiB");
  });

  it("a UTF-8 byte-order mark before JSON: the body is read, its 'degraded' status fails health", async () => {
    const hr = await health(h, "/bom");
    assert.equal(hr.status, "failed", hr.message);
    assert.equal(hr.message, 'GET /bom 200 but the body reports status "degraded"');
    assert.equal((await api(h, "/bom", { status: "degraded" })).status, "passed");
    const ar = await api(h, "/bom", { status: "ok" });
    assert.equal(ar.status, "failed");
    assert.match(ar.message, /status expected "ok", got "degraded"/);
  });

  for (const enc of ["gzip", "deflate", "br"]) {
    it(`a ${enc} body the client never asked for is decoded and judged`, async () => {
      const hr = await health(h, `/${enc}`);
      assert.equal(hr.status, "failed", hr.message);
      assert.equal(hr.message, `GET /${enc} 200 but the body reports status "degraded"`);
      assert.equal((await api(h, `/${enc}`, { status: "degraded" })).status, "passed");
    });
  }

  it("an encoding the suite cannot decode is refused: FAILED naming it, for health and api", async () => {
    const hr = await health(h, "/zstd");
    assert.equal(hr.status, "failed", hr.message);
    assert.match(hr.message, /content-encoding "zstd", which the suite does not decode/);
    const ar = await api(h, "/zstd", { status: "ok" });
    assert.equal(ar.status, "failed");
    assert.match(ar.message, /zstd.*expectJson not met/);
  });

  it("a UTF-16 byte-order mark is refused, not decoded leniently (random bytes would read as text)", async () => {
    h.setBody("utf16", { bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"status":"ok"}', "utf16le")]), headers: { "content-type": "application/json" } });
    const hr = await health(h, "/body/utf16");
    assert.equal(hr.status, "failed", hr.message);
    assert.match(hr.message, /UTF-16\/UTF-32 byte-order mark; the suite reads UTF-8 only/);
    h.setBody("bom-only", { bytes: Buffer.from([0xfe, 0xff]) });
    assert.equal((await health(h, "/body/bom-only")).status, "failed");
  });
});
