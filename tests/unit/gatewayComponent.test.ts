// MOCKS: the IstioGateway component under pulumi.runtime.setMocks (dryRun false; no engine, no
// cluster). Checks what it registers: kinds, counts, names, parents, inputs that waited on Outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { IstioGateway, type IstioGatewayArgs } from "../../components/istioGateway";
import { loadValidator, runComponent, valueOf, type Validate } from "./monitoringTestKit";

const args: IstioGatewayArgs = {
  appName: "agent-cellphone-v2",
  namespace: pulumi.output("acv2-staging"),
  host: "staging.acv2.example.com",
  serviceName: pulumi.output("agent-cellphone-v2"),
  servicePort: 80,
  tls: { issuer: "acme-staging", acmeEmail: "ops@example.com" },
};

describe("IstioGateway component (mocks)", () => {
  let validate: Validate;
  before(async () => {
    validate = await loadValidator();
  });

  it("registers the six custom resources, prefixed and parented, and resolves its outputs", async () => {
    const run = await runComponent((opts) => new IstioGateway("gw", args, opts));
    const component = run.resources.filter((r) => r.type === "acv2:gateway:IstioGateway");
    assert.equal(component.length, 1);
    const children = run.resources.filter((r) => r.custom);
    assert.deepEqual(
      children.map((r) => `${r.name} ${r.type}`).sort(),
      [
        "gw-certificate kubernetes:cert-manager.io/v1:Certificate",
        "gw-gateway kubernetes:networking.istio.io/v1beta1:Gateway",
        "gw-issuer kubernetes:cert-manager.io/v1:ClusterIssuer",
        "gw-mtls kubernetes:security.istio.io/v1beta1:PeerAuthentication",
        "gw-route kubernetes:networking.istio.io/v1beta1:VirtualService",
        "gw-traffic kubernetes:networking.istio.io/v1beta1:DestinationRule",
      ],
    );
    for (const r of children) {
      assert.equal(r.parent, "gw", r.name);
      assert.equal(r.parentType, "acv2:gateway:IstioGateway", r.name);
    }
    const c = run.component;
    assert.equal(await valueOf(c.publicUrl), "https://staging.acv2.example.com");
    assert.equal(await valueOf(c.gatewayName), "agent-cellphone-v2-gateway");
    assert.equal(await valueOf(c.certificateSecretName), "agent-cellphone-v2-staging-acv2-example-com-tls");
  });

  it("fills the namespace and Service from Outputs, and what it registers passes the upstream schemas", async () => {
    const run = await runComponent((opts) => new IstioGateway("gw", args, opts));
    const byName = new Map(run.resources.map((r) => [r.name, r]));
    const route = byName.get("gw-route")!.inputs;
    assert.equal(route.metadata.namespace, "acv2-staging");
    assert.equal(route.spec.http[0].route[0].destination.host, "agent-cellphone-v2.acv2-staging.svc.cluster.local");
    assert.equal(byName.get("gw-certificate")!.inputs.metadata.namespace, "istio-system");
    for (const r of run.resources.filter((x) => x.custom)) validate(r.inputs as { apiVersion: string; kind: string });
  });

  it("installs cert-manager only when asked, and then issues after it", async () => {
    const isInstall = (t: string) => t.startsWith("kubernetes-cert-manager:");
    const plain = await runComponent((opts) => new IstioGateway("gw", args, opts));
    assert.deepEqual(plain.resources.filter((r) => isInstall(r.type)), []);
    const withInstall = await runComponent((opts) => new IstioGateway("gw", { ...args, tls: { ...args.tls, installCertManager: true } }, opts));
    const installs = withInstall.resources.filter((r) => isInstall(r.type));
    assert.deepEqual(installs.map((r) => `${r.name} ${r.type} ${r.parent}`), ["gw-cert-manager kubernetes-cert-manager:index:CertManager gw"]);
    assert.equal(installs[0].inputs.installCRDs, true);
    const dependsOnInstall = withInstall.resources.filter((r) => r.dependencies.includes("gw-cert-manager")).map((r) => r.name);
    assert.deepEqual(dependsOnInstall.sort(), ["gw-certificate", "gw-issuer"]);
  });

  it("throws the validation error naming the field", async () => {
    await assert.rejects(
      runComponent((opts) => new IstioGateway("gw", { ...args, tls: { issuer: "acme-production" } }, opts)),
      /tls\.acmeEmail: is required when tls\.issuer is "acme-production"/,
    );
  });
});
