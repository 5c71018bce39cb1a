// Issue 11.6: protocol oddities end as ERROR with a clear message, long before the timeout, and
// leave no socket open. Real sockets: the hostile server writes broken HTTP on the wire, and a
// TCP listener that never answers stands in for a stalled TLS handshake.
import { strict as assert } from "node:assert";
import { httpRequest } from "../../verification/http";
import { runSuite } from "../../verification/runner";
import type { CheckResult } from "../../verification/types";
import { startHostileServer, waitForNoConnections, type HostileServer } from "../fixtures/hostileServer";
import { config } from "./helpers";

const TIMEOUT_S = 20; // far above what a clear answer needs: ending before it proves no hang

async function one(h: HostileServer, check: Record<string, unknown>, baseUrl = h.url): Promise<CheckResult> {
  const report = await runSuite(config({ baseUrl, deadlineSeconds: 60, checks: [{ name: "c", timeoutSeconds: TIMEOUT_S, ...check } as never] }));
  return report.checks[0];
}

const ODDITIES: Array<{ route: string; message: RegExp }> = [
  { route: "101", message: /answered 101 Switching Protocols \(to websocket\) to a plain request/ },
  { route: "http09", message: /not HTTP\/1\.x \(an HTTP\/0\.9 reply or another protocol\)/ },
  { route: "duplicate-content-length", message: /duplicate or conflicting Content-Length/ },
  { route: "reset-mid-body", message: /connection reset by 127\.0\.0\.1:\d+/ },
];

describe("hostile targets: protocol oddities (issue 11.6)", function () {
  this.timeout(120_000);
  let h: HostileServer;
  before(async () => {
    h = await startHostileServer();
  });
  after(() => h.close());

  for (const { route, message } of ODDITIES) {
    it(`${route}: health and api end ERROR with a clear message, well inside the timeout, no socket left open`, async () => {
      for (const check of [
        { type: "health", path: `/raw/${route}` },
        { type: "api", endpoints: [{ path: `/raw/${route}`, expectJson: { status: "ok" } }] },
        { type: "availability", path: `/raw/${route}`, requests: 4, minSuccessRate: 0 },
      ]) {
        const r = await one(h, check);
        assert.equal(r.status, "error", `${check.type}: ${r.status} ${r.message}`);
        assert.match(r.message, message, `${check.type}`);
        assert.doesNotMatch(r.message, /timed out|deadline/, `${check.type}: it waited for the timeout`);
        assert.ok(r.durationMs < (TIMEOUT_S * 1000) / 2, `${check.type}: took ${r.durationMs} ms`);
        await waitForNoConnections(h);
      }
    });
  }

  it("101 through the HTTP helper: rejected as a protocol error, not left pending", async () => {
    const err = await httpRequest({ url: `${h.url}/raw/101`, timeoutMs: TIMEOUT_S * 1000 }).then(
      () => assert.fail("resolved"),
      (e: { kind: string; message: string }) => e,
    );
    assert.equal(err.kind, "protocol");
    await waitForNoConnections(h);
  });

  it("a stalled TLS handshake: security ERROR naming the handshake and the timeout, socket closed", async () => {
    const r = await one(h, { type: "security", url: h.stallUrl, timeoutSeconds: 1 });
    assert.equal(r.status, "error", r.message);
    assert.match(r.message, /^TLS handshake: .*stalled/);
    await waitForNoConnections(h);
  });

  it("a stalled TLS handshake behind an https baseUrl: health ERROR timed out, socket closed", async () => {
    const r = await one(h, { type: "health", timeoutSeconds: 1 }, h.stallUrl);
    assert.equal(r.status, "error", r.message);
    assert.match(r.message, /timed out after 1s/);
    await waitForNoConnections(h);
  });
});
