// The security check end to end against real TLS servers on loopback, with certificates made
// by openssl at test time (tests/fixtures/certs.ts): faults 4 (bad certificates, no insecure
// fallback) and 5 (TLS 1.0/1.1 accepted, headers missing or leaking), the HTTP->HTTPS redirect,
// and live pod posture through the recorded-API stand-in (no cluster exists here yet).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { childSignal, timeoutReason } from "../../verification/abort";
import { definition } from "../../verification/checks/security";
import { checkSchema, type CheckConfigOf } from "../../verification/schema";
import type { AttemptOutcome } from "../../verification/types";
import { makeTestCerts, type Pem, type TestCerts } from "../fixtures/certs";
import { serveHttp, serveTls, type TestServer, type TlsServerOptions } from "../fixtures/certsServer";
import { kubeconfigYaml, recorded, startKubeApi, type KubeApiStandIn } from "../fixtures/kubeApi";

type M = Record<string, any>;

async function attempt(fields: Record<string, unknown>, timeoutMs = 5000): Promise<AttemptOutcome> {
  const config = checkSchema.parse({ name: "sec", type: "security", ...fields }) as CheckConfigOf<"security">;
  const child = childSignal(undefined, timeoutMs, () => timeoutReason(timeoutMs));
  try {
    return await definition.attempt(config, { signal: child.signal, timeoutMs });
  } finally {
    child.dispose();
  }
}

describe("security check (real TLS servers, openssl-made certificates)", function () {
  this.timeout(30_000);
  let certs: TestCerts;
  const servers: TestServer[] = [];
  const serve = async (pem: Pem, opts?: TlsServerOptions) => {
    const s = await serveTls(pem, opts);
    servers.push(s);
    return s;
  };
  before(() => {
    certs = makeTestCerts();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => certs.cleanup());

  it("passes a valid chain, TLS >= 1.2, legacy versions refused, secure headers", async () => {
    const s = await serve(certs.valid);
    const out = await attempt({ url: s.url, caFile: certs.caFile });
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, "TLSv1.3, certificate valid 89 more days, TLS 1.0/1.1 refused, required headers present, nothing leaked");
    const m = out.measurements as M;
    assert.equal(m.tls.protocol, "TLSv1.3");
    assert.equal(m.tls.subjectAltName, "DNS:localhost, IP Address:127.0.0.1");
    assert.equal(m.legacyProbe, "refused");
    assert.deepEqual(m.headers, { "strict-transport-security": true, "x-content-type-options": true, "x-frame-options": true, "content-security-policy": true });
    assert.equal(m.hstsMaxAge, 31536000);
  });

  const badCerts: [string, (c: TestCerts) => Pem, string][] = [
    ["expired", (c) => c.expired, "certificate expired"],
    ["not yet valid", (c) => c.notYetValid, "certificate not yet valid"],
    ["for the wrong name", (c) => c.wrongSan, "certificate does not match host (SAN)"],
    ["self-signed", (c) => c.selfSigned, "self-signed certificate"],
  ];
  for (const [what, pick, reason] of badCerts) {
    it(`fails a certificate ${what} with that reason and sends no request over it (fault 4)`, async () => {
      const s = await serve(pick(certs));
      const out = await attempt({ url: s.url, caFile: certs.caFile });
      assert.equal(out.status, "failed");
      assert.equal(out.message, reason);
      assert.equal((out.measurements as M).headers, "not checked: certificate not trusted");
      assert.equal(s.requests(), 0, "no HTTP request may go over an unverified connection");
    });
  }

  it("does not trust a private CA unless caFile names it", async () => {
    const s = await serve(certs.valid);
    const out = await attempt({ url: s.url });
    assert.equal(out.status, "failed");
    assert.equal(out.message, "certificate chain not trusted (unknown issuer)");
    assert.equal(s.requests(), 0);
  });

  it("fails a certificate closer to expiry than minCertDays", async () => {
    const s = await serve(certs.shortLived);
    const out = await attempt({ url: s.url, caFile: certs.caFile, minCertDays: 14 });
    assert.equal(out.status, "failed");
    assert.equal(out.message, "certificate expires in 5 days (< 14)");
    assert.equal((await attempt({ url: s.url, caFile: certs.caFile, minCertDays: 5 })).status, "passed");
  });

  it("fails a server that still accepts TLS 1.1 (fault 5); this runtime can offer it at SECLEVEL=0", async () => {
    const s = await serve(certs.valid, { minVersion: "TLSv1" });
    const out = await attempt({ url: s.url, caFile: certs.caFile });
    assert.equal(out.status, "failed");
    assert.equal(out.message, "server accepts TLS 1.1");
    assert.equal((out.measurements as M).legacyProbe, "accepted TLSv1.1");
  });

  it("fails a negotiated version below minTlsVersion", async () => {
    const s = await serve(certs.valid, { maxVersion: "TLSv1.2" });
    const out = await attempt({ url: s.url, caFile: certs.caFile, minTlsVersion: "TLSv1.3" });
    assert.equal(out.status, "failed");
    assert.equal(out.message, "negotiated TLSv1.2, below TLSv1.3");
  });

  it("lists missing and leaking headers by name, never their values (fault 5)", async () => {
    const s = await serve(certs.valid, { headers: "leaky" });
    const out = await attempt({ url: s.url, caFile: certs.caFile });
    assert.equal(out.status, "failed");
    assert.equal(out.message, "missing headers: strict-transport-security, x-content-type-options; leaking headers: server, x-envoy-upstream-service-time, x-powered-by");
    assert.ok(!JSON.stringify(out).includes("LEAKVALUE"));
    assert.equal((await attempt({ url: s.url, caFile: certs.caFile, requiredHeaders: [] })).message, "leaking headers: server, x-envoy-upstream-service-time, x-powered-by");
  });

  it("checks that plain HTTP redirects to HTTPS", async () => {
    const s = await serve(certs.valid);
    const good = await serveHttp(308, `${s.url}/`);
    const plain = await serveHttp(200);
    const elsewhere = await serveHttp(301, "http://localhost/");
    servers.push(good, plain, elsewhere);
    const ok = await attempt({ url: s.url, caFile: certs.caFile, httpRedirectUrl: good.url });
    assert.equal(ok.status, "passed", ok.message);
    assert.match(ok.message, /, HTTP redirects to HTTPS$/);
    assert.deepEqual((ok.measurements as M).redirect, { status: 308, toHttps: true });
    assert.equal((await attempt({ url: s.url, caFile: certs.caFile, httpRedirectUrl: plain.url })).message, "plain HTTP answered 200, not a redirect to https");
    assert.equal((await attempt({ url: s.url, caFile: certs.caFile, httpRedirectUrl: elsewhere.url })).message, "plain HTTP redirects to a non-https location");
  });

  it("is ERROR when nothing listens (could not measure), not FAILED", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const out = await attempt({ url: `https://127.0.0.1:${port}/`, caFile: certs.caFile });
    assert.equal(out.status, "error");
    assert.equal(out.message, `TLS handshake: connection refused (127.0.0.1:${port})`);
  });

  describe("live pod posture through the recorded-API stand-in", () => {
    let api: KubeApiStandIn;
    before(async () => {
      api = await startKubeApi({}, { certs });
    });
    after(() => api.close());
    const k8s = () => ({ namespace: "acv2-staging", deployment: "agent-cellphone-v2", kubeconfig: api.kubeconfigPath });

    it("passes the restricted posture and fails a privileged, root-capable pod", async () => {
      const s = await serve(certs.valid);
      api.state.deployments["acv2-staging/agent-cellphone-v2"] = recorded("deployment-complete.json");
      const ok = await attempt({ url: s.url, caFile: certs.caFile, ...k8s() });
      assert.equal(ok.status, "passed", ok.message);
      assert.match(ok.message, /, pod posture ok$/);
      assert.deepEqual((ok.measurements as M).posture.violations, []);

      const bad = recorded("deployment-complete.json");
      const c = bad.spec.template.spec.containers[0];
      c.securityContext = { privileged: true, allowPrivilegeEscalation: true };
      bad.spec.template.spec.securityContext = { runAsUser: 0 };
      api.state.deployments["acv2-staging/agent-cellphone-v2"] = bad;
      const out = await attempt({ url: s.url, caFile: certs.caFile, ...k8s() });
      assert.equal(out.status, "failed");
      assert.match(out.message, /pod posture: .*privileged/);
      assert.match(out.message, /pod posture: .*allowPrivilegeEscalation/);
      assert.equal(api.requests.filter((r) => r.method !== "GET").length, 0);
    });

    // Issue 10.8: nothing measured is not a pass. This test asserted PASSED before the change.
    it("is ERROR, never PASSED, when the configured pod posture could not be evaluated (no kubeconfig)", async () => {
      const s = await serve(certs.valid);
      const out = await attempt({ url: s.url, caFile: certs.caFile, namespace: "acv2-staging", deployment: "agent-cellphone-v2", kubeconfig: "/nonexistent/kubeconfig" });
      assert.equal(out.status, "error", out.message);
      assert.match(out.message, /^pod posture could not be evaluated: kubeconfig could not be loaded \(ENOENT\) \(endpoint: TLSv1\.3, certificate valid/);
      assert.equal((out.measurements as M).posture, "not checked: kubeconfig could not be loaded (ENOENT)");
    });

    it("is ERROR when the API answers 404 (no such deployment) or 403 (access denied)", async () => {
      const s = await serve(certs.valid);
      delete api.state.deployments["acv2-staging/agent-cellphone-v2"];
      const missing = await attempt({ url: s.url, caFile: certs.caFile, ...k8s() });
      assert.equal(missing.status, "error", missing.message);
      assert.match(missing.message, /^pod posture could not be evaluated: deployment acv2-staging\/agent-cellphone-v2: not found \(404\)/);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-kc-"));
      try {
        // A token the API does not accept: the stand-in answers 401, the apiserver's 403 reads alike.
        const kc = path.join(dir, "kubeconfig");
        fs.writeFileSync(kc, kubeconfigYaml(api.url, "not-the-token", api.ca), { mode: 0o600 });
        api.state.deployments["acv2-staging/agent-cellphone-v2"] = recorded("deployment-complete.json");
        const denied = await attempt({ url: s.url, caFile: certs.caFile, ...k8s(), kubeconfig: kc });
        assert.equal(denied.status, "error", denied.message);
        assert.match(denied.message, /^pod posture could not be evaluated: .*API access denied \(401\)/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
