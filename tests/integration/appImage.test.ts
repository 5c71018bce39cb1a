// Issue 12.2: the app image, built without a Docker engine (scripts/build-app-image: go build,
// a tar layer on an empty base with crane, config by crane mutate), pushed to the loopback
// registry (distribution v3), pulled back by digest and run from what was pulled: under runc with
// the pod's posture (read-only root filesystem, the image's own non-root user, no capabilities,
// /tmp a tmpfs like the pod's emptyDir). Faults come from the tag, through the image config.
// Skips, saying why, when the image tools are not built (scripts/install-image-tools).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../fixtures/appBinary";
import {
  buildAppImage, crane, ensureRegistry, imageToolsMissing, pullAndExtract, REGISTRY_ADDR, runContainer, runcMissing, stopRegistry,
  type BuiltImages, type Container, type ImageConfig,
} from "../fixtures/imageTools";

const VARIANTS = ["healthy", "crash", "never-ready", "503", "slow", "leak", "wrong-port"];
const tagOf = (v: string) => (v === "healthy" ? "2.0.0" : `2.0.0-${v}`);

async function waitHealth(url: string, ms: number): Promise<Response> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(2_000) });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${ms} ms: ${String(last)}`);
}

describe("app image: build without Docker, push, pull by digest, run as shipped (issue 12.2)", function () {
  this.timeout(900_000);
  const repository = `acv2-test/app-${process.pid}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-app-image-test-"));
  let started = false;
  let built: BuiltImages;
  const containers: Container[] = [];

  before(function () {
    const why = imageToolsMissing();
    if (why) {
      console.log(`      SKIPPED: ${why}`);
      this.skip();
    }
    started = ensureRegistry();
    built = buildAppImage(repository, ["--oci-tar", path.join(tmp, "images.oci.tar")]);
    console.log(`      build-app-image (7 tags, pushed to ${REGISTRY_ADDR}): ${built.ms} ms`);
  });
  after(async () => {
    for (const c of containers) c.kill("KILL");
    await Promise.all(containers.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 10_000))])));
    for (const ref of Object.values(built?.refs ?? {})) {
      try {
        crane(["delete", ref]);
      } catch {
        // already gone
      }
    }
    if (started) stopRegistry();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("pushes one tag per release variant and prints each digest, which the registry serves for that tag", () => {
    assert.deepEqual(Object.keys(built.refs).sort(), VARIANTS.map(tagOf).sort());
    for (const [tag, ref] of Object.entries(built.refs)) {
      assert.ok(ref.startsWith(`${REGISTRY_ADDR}/${repository}@sha256:`), ref);
      assert.equal(crane(["digest", `${REGISTRY_ADDR}/${repository}:${tag}`]).trim(), ref.split("@")[1], tag);
    }
  });

  it("is reproducible: a second build of the same source gives the same digests", () => {
    const again = buildAppImage(repository, ["--variants", "healthy never-ready"]);
    console.log(`      rebuild (2 tags): ${again.ms} ms`);
    assert.equal(again.refs["2.0.0"], built.refs["2.0.0"]);
    assert.equal(again.refs["2.0.0-never-ready"], built.refs["2.0.0-never-ready"]);
  });

  it("pulled back by digest: non-root user, the app as entrypoint, port 8000, the tag in the env, only /app, /etc, /tmp in the filesystem", () => {
    for (const v of VARIANTS) {
      const dir = path.join(tmp, `pull-${v}`);
      const cfg: ImageConfig = pullAndExtract(built.refs[tagOf(v)], dir);
      const [uid, gid] = (cfg.config.User ?? "").split(":").map(Number);
      assert.ok(uid > 0 && gid > 0, `User ${cfg.config.User} must be a non-zero uid:gid (runAsNonRoot needs a numeric uid)`);
      assert.deepEqual(cfg.config.Entrypoint, ["/app/acv2-app"]);
      assert.ok(cfg.config.ExposedPorts?.["8000/tcp"], "exposes 8000/tcp");
      assert.ok(cfg.config.Env?.includes(`ACV2_IMAGE_TAG=${tagOf(v)}`), JSON.stringify(cfg.config.Env));
      assert.equal(cfg.config.Labels?.["dev.acv2.fault"], v === "healthy" ? "none" : v);
      assert.equal(cfg.os, "linux");
      const rootfs = path.join(dir, "rootfs");
      assert.deepEqual(fs.readdirSync(rootfs).sort(), ["app", "etc", "tmp"]);
      const st = fs.statSync(path.join(rootfs, "app", "acv2-app"));
      assert.equal(st.mode & 0o777, 0o755);
      assert.match(fs.readFileSync(path.join(rootfs, "etc", "passwd"), "utf8"), new RegExp(`^nonroot:x:${uid}:${gid}:`, "m"));
    }
  });

  it("the OCI tarball holds every tag, named for `ctr images import`, with the pushed digests", () => {
    const dir = path.join(tmp, "oci");
    fs.mkdirSync(dir);
    execFileSync("tar", ["-x", "-f", path.join(tmp, "images.oci.tar"), "-C", dir]);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "oci-layout"), "utf8")).imageLayoutVersion, "1.0.0");
    const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    const named = Object.fromEntries(index.manifests.map((m) => [m.annotations["io.containerd.image.name"], m.digest]));
    for (const [tag, ref] of Object.entries(built.refs)) {
      assert.equal(named[`${REGISTRY_ADDR}/${repository}:${tag}`], ref.split("@")[1], tag);
      assert.ok(fs.existsSync(path.join(dir, "blobs", "sha256", ref.split("@sha256:")[1])), `manifest blob of ${tag}`);
    }
  });

  describe("run from the pulled image under runc: read-only root, non-root, no capabilities", () => {
    before(function () {
      const why = runcMissing();
      if (why) {
        console.log(`      SKIPPED: ${why}`);
        this.skip();
      }
    });
    const run = async (variant: string, env: Record<string, string> = {}) => {
      const dir = path.join(tmp, `run-${variant}`);
      const cfg = pullAndExtract(built.refs[tagOf(variant)], dir);
      const port = await freePort();
      const c = runContainer(dir, cfg, `acv2-img-${process.pid}-${variant}`, { HOST: "127.0.0.1", PORT: String(port), ACV2_DRAIN_SECONDS: "0", ...env });
      containers.push(c);
      return { c, url: `http://127.0.0.1:${port}` };
    };

    it("healthy: serves /health 200 with its tag as version and /metrics, runs as uid 65532, ends with exit 0 on SIGTERM", async () => {
      const { c, url } = await run("healthy");
      const res = await waitHealth(`${url}/health`, 20_000);
      const body = (await res.json()) as Record<string, string>;
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.version, "2.0.0");
      assert.match(await (await fetch(`${url}/metrics`)).text(), /http_requests_total\{method="GET",path="\/health",status="200"\} 1/);
      const status = fs.readFileSync(`/proc/${c.pid()}/status`, "utf8");
      assert.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
      assert.match(status, /^CapEff:\s+0+$/m);
      assert.match(status, /^NoNewPrivs:\s+1$/m);
      // The container's root mount is read-only, its /tmp writable (mountinfo: id parent dev root mountpoint options ...).
      const mounts = fs.readFileSync(`/proc/${c.pid()}/mountinfo`, "utf8").split("\n").map((l) => l.split(" "));
      assert.match(mounts.find((m) => m[4] === "/")?.[5] ?? "", /^ro\b/);
      assert.match(mounts.find((m) => m[4] === "/tmp")?.[5] ?? "", /^rw\b/);
      c.kill("TERM");
      assert.equal(await c.exited, 0, c.output());
    });

    it("crash tag: the container exits 1 at start", async () => {
      const { c } = await run("crash");
      assert.equal(await c.exited, 1, c.output());
      assert.match(c.output(), /fault: crash at start/);
    });

    it("never-ready tag: /health 503 from the first request", async () => {
      const { c, url } = await run("never-ready");
      const res = await waitHealth(`${url}/health`, 20_000);
      assert.equal(res.status, 503);
      c.kill("TERM");
      assert.equal(await c.exited, 0, c.output());
    });

    it("wrong-port tag: nothing on PORT, the app on another port", async () => {
      const wrong = await freePort();
      const { c, url } = await run("wrong-port", { ACV2_WRONG_PORT: String(wrong) });
      assert.equal((await waitHealth(`http://127.0.0.1:${wrong}/health`, 20_000)).status, 200);
      await assert.rejects(fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }));
      c.kill("TERM");
      assert.equal(await c.exited, 0, c.output());
    });
  });
});
