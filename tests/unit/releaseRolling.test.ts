// The rolling default changes nothing (issue 13 point 1): for every committed stack, what the
// program registers under mocks (every type, name, parent, dependency, input and export) has the
// same digest as at the commit before the release section existed (tests/fixtures/
// rolling-program-digests.json records those). MOCKS: the program runs under setMocks.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { programDigest } from "./harness/programDigest";
import { STACKS } from "./harness/runProgram";

const RECORDED = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../fixtures/rolling-program-digests.json"), "utf8")) as Record<string, { digest: string; resources: number }>;

describe("release strategy rolling (the default)", () => {
  for (const stack of STACKS) {
    it(`${stack}: registers exactly what it registered before the release section`, async () => {
      const now = await programDigest(stack);
      assert.deepEqual(now, RECORDED[stack]);
    });
  }
});
