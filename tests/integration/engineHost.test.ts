// The engine's own pieces as scripts/install-pulumi sets them up: Pulumi's Go language host (no
// stand-in), policy packs and the gate's dynamic provider run as Pulumi runs them, on a PATH
// that offers no policy-pack plugin; and a no-change preview or up that never loads the gate's
// implementation (a tripwire impl.ts in the project copy proves it).
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { pulumiBinDir, ROOT, Workspace } from "./engine";

const TRIPWIRE = "acv2-tripwire: components/gate/impl.ts was loaded";
const sdkVersion = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;

/** A stamp of the shared cache (the Kubernetes provider's key names its module and Go versions). */
function readStamp(name: string): string {
  return fs.readFileSync(path.join(pulumiBinDir(), "../stamps", name), "utf8").trim();
}

/** A bin dir with every tool of `bin` linked in except those named, and a PATH with it instead of `bin`. */
function pathWithout(bin: string, omit: string[], into: string): string {
  fs.mkdirSync(into);
  for (const f of fs.readdirSync(bin)) if (!omit.includes(f)) fs.symlinkSync(path.join(bin, f), path.join(into, f));
  const rest = (process.env.PATH ?? "").split(":").filter((d) => d && path.resolve(d) !== path.resolve(bin));
  return [into, ...rest].join(":");
}

describe("Pulumi engine pieces from scripts/install-pulumi", function () {
  this.timeout(900_000);

  it("the language host is Pulumi's Go host at the SDK's version, and pulumi about reports it", async () => {
    const host = path.join(pulumiBinDir(), "pulumi-language-nodejs");
    const head = Buffer.alloc(4);
    const fd = fs.openSync(host, "r");
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    assert.equal(head.toString("latin1"), "\x7fELF", `${host} is not a compiled binary (a script stand-in?)`);
    assert.equal(execFileSync(host, ["-version"], { encoding: "utf8" }).trim(), `v${sdkVersion}`);
    const ws = new Workspace("about");
    try {
      await ws.initStack("about");
      const about = await ws.must(["about", "--stack", "about"]);
      assert.match(about.out, new RegExp(`language\\s+nodejs\\s+v?${sdkVersion.replace(/\./g, "\\.")}`), about.out);
    } finally {
      ws.remove();
    }
  });

  it("without the host's source and with no CLI to use, install-pulumi stops, naming the missing dir, and builds nothing", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-nohost-cache-"));
    try {
      const missing = path.join(cache, "no-such-source");
      // FORCE_BUILD skips a pulumi on PATH and the installer (nothing leaves loopback).
      const r = spawnSync(path.join(ROOT, "scripts/install-pulumi"), [], {
        env: { ...process.env, ACV2_PULUMI_CACHE: cache, ACV2_NODEJS_HOST_SRC: missing, ACV2_PULUMI_FORCE_BUILD: "1" },
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.notEqual(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`no source at ${missing.replace(/[/.]/g, "\\$&")}`));
      assert.match(r.stderr, /no Pulumi CLI with a Node\.js language host/);
      assert.deepEqual(fs.readdirSync(path.join(cache, `v${sdkVersion}`, "bin")), [], "nothing may be built or installed");
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it("builds Pulumi's Go host from the shared source into a cache that held the stand-in, once", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-host-cache-"));
    try {
      const vdir = path.join(cache, `v${sdkVersion}`);
      const bin = path.join(vdir, "bin");
      const stamps = path.join(vdir, "stamps");
      fs.mkdirSync(bin, { recursive: true });
      fs.mkdirSync(stamps);
      // The CLI and the Kubernetes provider as already built (stamped), so only the host is built
      // here; and what the stand-in era left behind.
      const goVersion = execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).trim();
      for (const [tool, stamp, key] of [["pulumi", "cli", `cli v${sdkVersion} ${goVersion}`], ["pulumi-resource-kubernetes", "kubernetes", readStamp("kubernetes")]]) {
        fs.writeFileSync(path.join(bin, tool), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
        fs.writeFileSync(path.join(stamps, stamp), `${key}\n`);
      }
      fs.writeFileSync(path.join(bin, "pulumi-language-nodejs"), "#!/bin/sh\nexec node language-host.js\n", { mode: 0o755 });
      fs.writeFileSync(path.join(bin, "language-host.js"), "// stand-in\n");
      fs.writeFileSync(path.join(stamps, "language-nodejs"), `language-nodejs v${sdkVersion} shim\n`);
      const run = () =>
        spawnSync(path.join(ROOT, "scripts/install-pulumi"), [], {
          env: { ...process.env, ACV2_PULUMI_CACHE: cache, ACV2_PULUMI_FORCE_BUILD: "1" },
          encoding: "utf8",
          timeout: 600_000,
        });
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /language-nodejs v[0-9.]+: building Pulumi's Go host from \//);
      const host = path.join(bin, "pulumi-language-nodejs");
      assert.equal(execFileSync(host, ["-version"], { encoding: "utf8" }).trim(), `v${sdkVersion}`);
      assert.ok(!fs.existsSync(path.join(bin, "language-host.js")), "the stand-in's server is gone");
      assert.ok(fs.existsSync(path.join(bin, "pulumi-resource-pulumi-nodejs")));
      const second = run();
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stderr, /language-nodejs v[0-9.]+: already built \(0s\)/);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  describe("a gated stack on a PATH without pulumi-analyzer-policy", () => {
    let fixture: Fixture;
    let ws: Workspace;
    const stack = "staging";
    const setChecks = (timeoutSeconds: number) =>
      ws.editStack(stack, (c) => {
        c.kubernetes = { renderYamlToDirectory: path.join(ws.dir, "rendered", stack) };
        c.verification = { enabled: true, baseUrl: fixture.url, reportDir: path.join(ws.dir, "reports"), checks: [{ name: "health", type: "health", timeoutSeconds }] };
      });

    before(async () => {
      fixture = await startFixture();
      ws = new Workspace("host");
      ws.env.PATH = pathWithout(pulumiBinDir(), ["pulumi-analyzer-policy"], path.join(ws.dir, ".bin"));
      setChecks(3);
      await ws.initStack(stack, { grafanaAdminPassword: "host-test-password" });
      await ws.must(["up", "--yes", "--stack", stack]);
      assert.ok(fixture.requestCount() > 0, "the gate verified the first release");
    });
    after(async () => {
      await fixture?.close();
      ws?.remove();
    });

    it("the policy pack runs through the language host", async () => {
      const r = await ws.must(["preview", "--stack", stack, "--policy-pack", path.join(ws.dir, "policy"), "--policy-pack-config", path.join(ws.dir, "policy/config/staging.json")]);
      assert.match(r.out, /acv2-posture@v[0-9.]+ \(local: /, "the pack was loaded");
    });

    it("no-change preview and up never load the gate's implementation; a changed config does", async () => {
      fs.writeFileSync(path.join(ws.dir, "components/gate/impl.ts"), `throw new Error(${JSON.stringify(TRIPWIRE)});\n`);
      const before = fixture.requestCount();
      const preview = await ws.must(["preview", "--stack", stack]);
      assert.doesNotMatch(preview.out, /acv2-tripwire/);
      const up = await ws.must(["up", "--yes", "--stack", stack]);
      assert.doesNotMatch(up.out, /acv2-tripwire/);
      assert.equal(fixture.requestCount(), before, "nothing changed: nothing verified again");
      setChecks(4);
      const changed = await ws.pulumi(["preview", "--stack", stack]);
      assert.notEqual(changed.code, 0, changed.out);
      assert.match(changed.out, /acv2-tripwire/, "a changed config is checked by the implementation");
    });
  });
});
