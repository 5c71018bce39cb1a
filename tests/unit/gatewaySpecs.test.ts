// IstioGateway spec builders without mocks: defaults, exact error messages, the objects' content,
// and every object validated against the upstream Istio and cert-manager schemas.
import { strict as assert } from "assert";
import { ConfigError } from "../../config/errors";
import { ACME_SERVERS, resolveGatewayOptions, type GatewayBaseArgs } from "../../components/specs/gatewayOptions";
import { buildGatewayObjects, GATEWAY_KINDS, GATEWAY_ROLES, RETRY_ON } from "../../components/specs/gatewaySpecs";
import { loadValidator, type Validate } from "./monitoringTestKit";

const base: GatewayBaseArgs = { appName: "agent-cellphone-v2", host: "staging.acv2.example.com", servicePort: 80, tls: { issuer: "self-signed" } };
const target = { namespace: "acv2-staging", serviceName: "agent-cellphone-v2" };

function problemsOf(args: GatewayBaseArgs): string[] {
  try {
    resolveGatewayOptions(args);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("gateway specs", () => {
  describe("defaults", () => {
    it("fills gateway namespace, selector, timeout, retries and install flag", () => {
      const o = resolveGatewayOptions(base);
      assert.equal(o.gatewayNamespace, "istio-system");
      assert.deepEqual(o.gatewaySelector, { istio: "ingressgateway" });
      assert.equal(o.timeoutSeconds, 15);
      assert.deepEqual(o.retries, { attempts: 3, perTryTimeoutSeconds: 5 });
      assert.equal(o.tls.installCertManager, false);
    });
    it("keeps given values over defaults", () => {
      const o = resolveGatewayOptions({ ...base, gatewayNamespace: "gw", gatewaySelector: { app: "edge" }, timeoutSeconds: 30, retries: { attempts: 0 } });
      assert.equal(o.gatewayNamespace, "gw");
      assert.deepEqual(o.gatewaySelector, { app: "edge" });
      assert.equal(o.timeoutSeconds, 30);
      assert.deepEqual(o.retries, { attempts: 0, perTryTimeoutSeconds: 5 });
    });
    it("derives names that carry the host where the namespace or scope is shared", () => {
      const { names } = resolveGatewayOptions(base);
      assert.equal(names.certificateSecret, "agent-cellphone-v2-staging-acv2-example-com-tls");
      assert.equal(names.clusterIssuer, "agent-cellphone-v2-staging-acv2-example-com-self-signed");
      assert.equal(names.gateway, "agent-cellphone-v2-gateway");
    });
  });

  describe("errors", () => {
    it("names tls.acmeEmail when an ACME issuer has none", () => {
      assert.deepEqual(problemsOf({ ...base, tls: { issuer: "acme-staging" } }), ['tls.acmeEmail: is required when tls.issuer is "acme-staging"']);
      assert.deepEqual(problemsOf({ ...base, tls: { issuer: "acme-production" } }), ['tls.acmeEmail: is required when tls.issuer is "acme-production"']);
    });
    it("rejects a malformed e-mail without echoing it", () => {
      const problems = problemsOf({ ...base, tls: { issuer: "acme-production", acmeEmail: "not-an-email-SECRETISH" } });
      assert.deepEqual(problems, ["tls.acmeEmail: must be an e-mail address"]);
    });
    it("lists every bad field at once, in one ConfigError message", () => {
      let message = "";
      try {
        resolveGatewayOptions({ appName: "Bad_Name", host: "*.example.com", servicePort: 0, tls: { issuer: "self-signed" }, timeoutSeconds: 2, retries: { perTryTimeoutSeconds: 3, attempts: -1 } });
      } catch (err) {
        message = (err as Error).message;
      }
      assert.equal(
        message,
        [
          "invalid IstioGateway args:",
          "  - appName: must be a DNS label of at most 40 characters",
          "  - host: must be a lowercase DNS name with at least two labels and no wildcard",
          "  - servicePort: must be an integer from 1 to 65535",
          "  - retries.attempts: must be an integer >= 0",
          "  - retries.perTryTimeoutSeconds: must be <= timeoutSeconds",
        ].join("\n"),
      );
    });
    it("rejects an unknown issuer and an empty selector", () => {
      const problems = problemsOf({ ...base, gatewaySelector: {}, tls: { issuer: "vault" as never } });
      assert.deepEqual(problems, ["gatewaySelector: must hold at least one label", 'tls.issuer: must be one of "acme-staging", "acme-production", "self-signed"']);
    });
  });

  describe("objects", () => {
    let validate: Validate;
    before(async () => {
      validate = await loadValidator();
    });

    it("Gateway serves HTTPS (SIMPLE, the cert Secret, TLS 1.2+) and only redirects HTTP", () => {
      const o = resolveGatewayOptions(base);
      const gw = buildGatewayObjects(o, target).gateway;
      assert.equal(gw.metadata.namespace, "acv2-staging");
      const servers = gw.spec.servers as any[];
      const https = servers.find((s) => s.port.number === 443);
      const http = servers.find((s) => s.port.number === 80);
      assert.deepEqual(https.tls, { mode: "SIMPLE", credentialName: o.names.certificateSecret, minProtocolVersion: "TLSV1_2" });
      assert.equal(https.port.protocol, "HTTPS");
      assert.deepEqual(http.tls, { httpsRedirect: true });
      assert.deepEqual(https.hosts, ["staging.acv2.example.com"]);
      assert.deepEqual(gw.spec.selector, { istio: "ingressgateway" });
    });

    it("VirtualService routes to the Service FQDN with timeout and transport-only retries", () => {
      const o = resolveGatewayOptions({ ...base, servicePort: 8080, timeoutSeconds: 20, retries: { attempts: 2, perTryTimeoutSeconds: 4 } });
      const vs = buildGatewayObjects(o, target).route;
      const http = (vs.spec.http as any[])[0];
      assert.deepEqual(http.route, [{ destination: { host: "agent-cellphone-v2.acv2-staging.svc.cluster.local", port: { number: 8080 } } }]);
      assert.equal(http.timeout, "20s");
      assert.deepEqual(http.retries, { attempts: 2, perTryTimeout: "4s", retryOn: RETRY_ON });
      assert.ok(!RETRY_ON.includes("5xx"), "5xx must not be retried away");
      assert.deepEqual(vs.spec.gateways, [o.names.gateway]);
      assert.equal(http.headers.response.set["strict-transport-security"], "max-age=31536000; includeSubDomains");
    });

    it("DestinationRule limits connections and ejects outliers; PeerAuthentication is STRICT", () => {
      const objs = buildGatewayObjects(resolveGatewayOptions(base), target);
      const tp = objs.traffic.spec.trafficPolicy as any;
      assert.equal(objs.traffic.spec.host, "agent-cellphone-v2.acv2-staging.svc.cluster.local");
      assert.equal(tp.connectionPool.tcp.maxConnections, 200);
      assert.equal(tp.outlierDetection.consecutive5xxErrors, 5);
      assert.deepEqual(objs.mtls.spec, { mtls: { mode: "STRICT" } });
      assert.equal(objs.mtls.metadata.namespace, "acv2-staging");
    });

    it("ClusterIssuer: staging and production ACME servers with the istio HTTP-01 solver, or selfSigned", () => {
      for (const issuer of ["acme-staging", "acme-production"] as const) {
        const o = resolveGatewayOptions({ ...base, tls: { issuer, acmeEmail: "ops@example.com" } });
        const acme = buildGatewayObjects(o, target).issuer.spec.acme as any;
        assert.equal(acme.server, ACME_SERVERS[issuer]);
        assert.equal(acme.email, "ops@example.com");
        assert.deepEqual(acme.solvers, [{ http01: { ingress: { class: "istio" } } }]);
      }
      assert.equal(ACME_SERVERS["acme-staging"], "https://acme-staging-v02.api.letsencrypt.org/directory");
      assert.equal(ACME_SERVERS["acme-production"], "https://acme-v02.api.letsencrypt.org/directory");
      const selfSigned = buildGatewayObjects(resolveGatewayOptions(base), target).issuer;
      assert.deepEqual(selfSigned.spec, { selfSigned: {} });
      assert.equal(selfSigned.metadata.namespace, undefined);
    });

    it("Certificate sits in the gateway namespace and writes the Gateway's credentialName", () => {
      const o = resolveGatewayOptions({ ...base, gatewayNamespace: "istio-ingress" });
      const objs = buildGatewayObjects(o, target);
      assert.equal(objs.certificate.metadata.namespace, "istio-ingress");
      assert.equal(objs.certificate.spec.secretName, (objs.gateway.spec.servers as any[])[0].tls.credentialName);
      assert.deepEqual(objs.certificate.spec.dnsNames, ["staging.acv2.example.com"]);
      assert.deepEqual(objs.certificate.spec.issuerRef, { name: o.names.clusterIssuer, kind: "ClusterIssuer", group: "cert-manager.io" });
    });

    it("every object, for every issuer, passes the upstream schema, and kinds match GATEWAY_KINDS", () => {
      for (const tls of [{ issuer: "self-signed" as const }, { issuer: "acme-staging" as const, acmeEmail: "a@b.io" }, { issuer: "acme-production" as const, acmeEmail: "a@b.io" }]) {
        const objs = buildGatewayObjects(resolveGatewayOptions({ ...base, tls }), target);
        assert.deepEqual(Object.keys(objs), [...GATEWAY_ROLES]);
        for (const role of GATEWAY_ROLES) {
          assert.deepEqual({ apiVersion: objs[role].apiVersion, kind: objs[role].kind }, GATEWAY_KINDS[role]);
          validate(objs[role]);
        }
      }
    });

    it("the validator does reject a broken object (the wiring can fail)", () => {
      const gw = buildGatewayObjects(resolveGatewayOptions(base), target).gateway;
      const broken = { ...gw, spec: { ...gw.spec, servers: [{ port: { number: "443", name: "https", protocol: "HTTPS" }, hosts: ["x.example.com"] }] } };
      assert.throws(() => validate(broken), /port\/number must be integer/);
    });
  });
});
