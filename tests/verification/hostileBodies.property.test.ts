// Issue 11 property tests over response bodies: random bytes served by a real HTTP server never
// yield PASSED for api with expectJson, nor for health when they are not text, or declared JSON
// that is not a JSON object saying ok, or cut at the read cap. fast-check shrinks any
// counterexample to the smallest body that passes wrongly.
import { strict as assert } from "node:assert";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { childSignal, timeoutReason } from "../../verification/abort";
import { definition as apiCheck } from "../../verification/checks/api";
import { definition as healthCheck } from "../../verification/checks/health";
import type { CheckConfigOf, CheckType } from "../../verification/schema";
import type { AttemptOutcome, CheckDefinition } from "../../verification/types";
import { startHostileServer, type HostileServer } from "../fixtures/hostileServer";
import { config } from "./helpers";

const RUNS = Number(process.env.ACV2_PROPERTY_RUNS ?? 150);
let seq = 0;

async function serveAndCheck<T extends CheckType>(h: HostileServer, def: CheckDefinition<T>, check: Record<string, unknown>, body: { bytes: Buffer; headers?: Record<string, string> }): Promise<AttemptOutcome> {
  const id = `b${++seq}`;
  h.setBody(id, body);
  const path = `/body/${id}`;
  const withPath = def.type === "api" ? { endpoints: [{ path, ...check }] } : { path, ...check };
  const cfg = config({ baseUrl: h.url, checks: [{ name: "c", type: def.type, ...withPath } as never] }).checks[0] as CheckConfigOf<T>;
  const s = childSignal(undefined, 10_000, () => timeoutReason(10_000));
  try {
    return await def.attempt(cfg, { baseUrl: h.url, signal: s.signal, timeoutMs: 10_000 });
  } finally {
    s.dispose();
  }
}

const contentType = fc.constantFrom(undefined, "application/json", "text/plain", "application/problem+json; charset=utf-8", "application/octet-stream");
const headersFor = (ct: string | undefined, extra: Record<string, string> = {}) => ({ ...(ct ? { "content-type": ct } : {}), ...extra });

/** Bytes that are not text: at least one byte invalid in UTF-8 or a C0 control character. */
const binary = fc
  .tuple(fc.uint8Array({ maxLength: 256 }), fc.constantFrom(0x00, 0x01, 0x07, 0x1b, 0x7f, 0xc0, 0xf8, 0xfe, 0xff), fc.nat())
  .map(([bytes, bad, at]) => {
    const arr = Array.from(bytes);
    arr.splice(at % (arr.length + 1), 0, bad);
    return Buffer.from(arr);
  });

/** The oracle for declared-JSON bodies: a JSON object whose status, if any, is "ok". */
function saysOkAsJson(bytes: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
    return v !== null && typeof v === "object" && !Array.isArray(v) && ((v as { status?: unknown }).status ?? "ok") === "ok";
  } catch {
    return false;
  }
}

describe("hostile targets: property tests over response bodies (issue 11)", function () {
  this.timeout(300_000);
  let h: HostileServer;
  before(async () => {
    h = await startHostileServer();
  });
  after(() => h.close());

  it("api with expectJson: random bytes (any content type, BOM, gzip-wrapped) never PASS", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), contentType, fc.constantFrom("none", "bom", "gzip"), async (raw, ct, wrap) => {
        let bytes = Buffer.from(raw);
        const extra: Record<string, string> = {};
        if (wrap === "bom") bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
        if (wrap === "gzip") {
          bytes = zlib.gzipSync(bytes);
          extra["content-encoding"] = "gzip";
        }
        const o = await serveAndCheck(h, apiCheck, { expectJson: { status: "ok", "data.id": 7 } }, { bytes, headers: headersFor(ct, extra) });
        assert.notEqual(o.status, "passed", `${ct} ${wrap} ${JSON.stringify(raw.toString())}: ${o.message}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("health: random binary bytes never PASS, whatever the content type or encoding", async () => {
    await fc.assert(
      fc.asyncProperty(binary, contentType, fc.boolean(), async (bytes, ct, gzip) => {
        const body = gzip ? zlib.gzipSync(bytes) : bytes;
        const o = await serveAndCheck(h, healthCheck, {}, { bytes: body, headers: headersFor(ct, gzip ? { "content-encoding": "gzip" } : {}) });
        assert.notEqual(o.status, "passed", `${ct} gzip=${gzip}: ${o.message}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("health: random bytes declared as JSON PASS only as a JSON object whose status is ok", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)), fc.json().map((j) => Buffer.from(j))), async (bytes) => {
        const o = await serveAndCheck(h, healthCheck, {}, { bytes, headers: { "content-type": "application/json" } });
        if (o.status === "passed") assert.ok(saysOkAsJson(bytes), `passed on ${JSON.stringify(bytes.toString())}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("health and api: any body past the read cap never PASSES, even one that starts as {status: ok}", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean(), async (over, gzip) => {
        const text = `{"status":"ok","pad":"${"x".repeat((1 << 20) + over)}"}`;
        const bytes = gzip ? zlib.gzipSync(text) : Buffer.from(text);
        const headers = headersFor("application/json", gzip ? { "content-encoding": "gzip" } : {});
        const ho = await serveAndCheck(h, healthCheck, {}, { bytes, headers });
        assert.equal(ho.status, "failed", ho.message);
        assert.match(ho.message, /read cap/);
        const ao = await serveAndCheck(h, apiCheck, { expectJson: { status: "ok" } }, { bytes, headers });
        assert.equal(ao.status, "failed", ao.message);
        assert.match(ao.message, /read cap/);
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 10)) },
    );
  });
});
