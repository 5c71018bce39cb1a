// A digest of everything the program registers for one committed stack under mocks (types,
// names, parents, dependencies, every input, every export), with the checkout path replaced, so
// two checkouts of the program can be compared: tests/unit/releaseRolling.test.ts compares this
// tree with the digests recorded from the commit before the release section existed.
import * as crypto from "crypto";
import { ROOT, runProgram } from "./runProgram";

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export async function programDigest(stack: string): Promise<{ digest: string; resources: number }> {
  const run = await runProgram(stack);
  const rows = run.resources
    .map((r) => ({ ...r, dependencies: [...r.dependencies].sort() }))
    .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
  const text = JSON.stringify(canonical({ rows, outputs: run.outputs })).split(ROOT).join("<root>");
  return { digest: crypto.createHash("sha256").update(text).digest("hex"), resources: rows.length };
}

/** `ts-node tests/unit/harness/programDigest.ts dev staging production`: prints the digests as JSON. */
if (require.main === module) {
  (async () => {
    const out: Record<string, unknown> = {};
    for (const stack of process.argv.slice(2)) out[stack] = await programDigest(stack);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    process.exit(0);
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
