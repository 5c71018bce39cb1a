// Pure parts of the TLS and header inspection, plus the handshake facts read from a real server.
// The "unsupported by runtime" path of the legacy probe is only unit-tested here: this Node 20
// runtime CAN offer TLS 1.0/1.1 at @SECLEVEL=0 (security.test.ts proves it against a server
// that accepts them), so the path cannot be provoked for real on this machine.
import { strict as assert } from "node:assert";
import { classifyLegacyError, evaluateTlsFacts, meetsVersion, probeLegacyTls, serverName, tlsReason, verifyingHandshake } from "../../verification/tls";
import { headerProblems, inspectHeaders, redirectProblem } from "../../verification/tlsHeaders";
import { makeTestCerts, type TestCerts } from "../fixtures/certs";
import { serveTls } from "../fixtures/certsServer";

describe("TLS inspection (pure)", () => {
  it("sends SNI only for host names, never for IP literals", () => {
    assert.equal(serverName("acv2.example.com"), "acv2.example.com");
    assert.equal(serverName("127.0.0.1"), undefined);
    assert.equal(serverName("::1"), undefined);
  });

  it("orders protocol versions", () => {
    assert.ok(meetsVersion("TLSv1.3", "TLSv1.2"));
    assert.ok(meetsVersion("TLSv1.2", "TLSv1.2"));
    assert.ok(!meetsVersion("TLSv1.2", "TLSv1.3"));
    assert.ok(!meetsVersion("TLSv1.1", "TLSv1.2"));
    assert.ok(!meetsVersion("unknown", "TLSv1.2"));
    assert.ok(!meetsVersion(null, "TLSv1.2"));
  });

  it("names certificate failures specifically and keeps unknown codes", () => {
    assert.equal(tlsReason("CERT_HAS_EXPIRED"), "certificate expired");
    assert.equal(tlsReason("ERR_TLS_CERT_ALTNAME_INVALID"), "certificate does not match host (SAN)");
    assert.equal(tlsReason("SOMETHING_NEW"), "TLS handshake failed (SOMETHING_NEW)");
  });

  it("tells a runtime that cannot offer TLS 1.0/1.1 apart from a server that refuses it", () => {
    assert.deepEqual(classifyLegacyError({ code: "ERR_SSL_NO_PROTOCOLS_AVAILABLE" }), { result: "unsupported by runtime", detail: "ERR_SSL_NO_PROTOCOLS_AVAILABLE" });
    assert.deepEqual(classifyLegacyError({ code: "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" }), { result: "refused", detail: "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" });
    assert.deepEqual(classifyLegacyError({ code: "ECONNRESET" }), { result: "refused", detail: "ECONNRESET" });
    assert.deepEqual(classifyLegacyError({ code: "ECONNREFUSED" }), { result: "unreachable", detail: "ECONNREFUSED" });
  });

  it("judges version and remaining validity", () => {
    const f = { protocol: "TLSv1.2", cipher: "x", handshakeMs: 1, validFrom: "", validTo: "", daysToExpiry: 3 };
    assert.deepEqual(evaluateTlsFacts(f, "TLSv1.3", 14), ["negotiated TLSv1.2, below TLSv1.3", "certificate expires in 3 days (< 14)"]);
    assert.deepEqual(evaluateTlsFacts({ ...f, daysToExpiry: 14 }, "TLSv1.2", 14), []);
  });

  it("inspects headers case-insensitively and reports names only", () => {
    const f = inspectHeaders({ "Strict-Transport-Security": "max-age=0", server: "nginx/1.2", "x-envoy-decorator-operation": "x" } as never, ["strict-transport-security", "X-Content-Type-Options"]);
    assert.deepEqual(f.missing, ["x-content-type-options"]);
    assert.deepEqual(f.leaked, ["server", "x-envoy-decorator-operation"]);
    assert.equal(f.hstsMaxAge, 0);
    assert.deepEqual(headerProblems(f), [
      "missing headers: x-content-type-options",
      "leaking headers: server, x-envoy-decorator-operation",
      "strict-transport-security has max-age=0",
    ]);
    assert.ok(!headerProblems(f).join().includes("nginx"));
  });

  it("accepts only redirects to https", () => {
    assert.equal(redirectProblem(301, "https://a/"), undefined);
    assert.equal(redirectProblem(308, "HTTPS://a/"), undefined);
    assert.equal(redirectProblem(302, "http://a/"), "plain HTTP redirects to a non-https location");
    assert.equal(redirectProblem(301, undefined), "plain HTTP answered 301 without a Location");
    assert.equal(redirectProblem(200, undefined), "plain HTTP answered 200, not a redirect to https");
  });
});

describe("TLS handshakes (real server on 127.0.0.1)", function () {
  this.timeout(20_000);
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs.cleanup());

  it("reads protocol, SAN and expiry from a verified handshake", async () => {
    const s = await serveTls(certs.valid, { maxVersion: "TLSv1.2" });
    try {
      const r = await verifyingHandshake({ host: "localhost", port: s.port, extraCa: certs.ca });
      assert.equal(r.kind, "ok");
      if (r.kind !== "ok") return;
      assert.equal(r.facts.protocol, "TLSv1.2");
      assert.equal(r.facts.issuer, "acv2 test CA");
      assert.equal(r.facts.daysToExpiry, 89);
      assert.ok(r.facts.handshakeMs > 0);
    } finally {
      await s.close();
    }
  });

  it("verifies by IP SAN when the URL host is an IP", async () => {
    const s = await serveTls(certs.valid);
    try {
      assert.equal((await verifyingHandshake({ host: "127.0.0.1", port: s.port, extraCa: certs.ca })).kind, "ok");
      const wrong = await serveTls(certs.wrongSan);
      const r = await verifyingHandshake({ host: "127.0.0.1", port: wrong.port, extraCa: certs.ca });
      await wrong.close();
      assert.deepEqual(r, { kind: "rejected", code: "ERR_TLS_CERT_ALTNAME_INVALID", reason: "certificate does not match host (SAN)" });
    } finally {
      await s.close();
    }
  });

  it("sees a TLS 1.0-only server accept the legacy probe as TLSv1", async () => {
    const s = await serveTls(certs.valid, { minVersion: "TLSv1", maxVersion: "TLSv1" });
    try {
      assert.deepEqual(await probeLegacyTls({ host: "localhost", port: s.port }), { result: "accepted", protocol: "TLSv1" });
    } finally {
      await s.close();
    }
  });
});
