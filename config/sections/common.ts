// Field shapes shared by several config sections, so one rule reads the same everywhere.
import { z } from "zod";

/** RFC 1123 label: names of namespaces, Deployments and Services. */
export const dnsLabel = z
  .string()
  .min(1, "must not be empty")
  .max(50, "must be at most 50 characters (room is kept for role suffixes)")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label (lowercase letters, digits and '-', starting and ending alphanumeric)");

/** A fully qualified host name: at least two labels, lowercase, no wildcard. */
export const dnsName = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/,
    "must be a DNS name (lowercase labels separated by dots, e.g. acv2.example.com)",
  );

// Bounded like every number in the config (issue 11.4): 1e308 is an "integer" to zod.
export const positiveInt = z.number().int("must be an integer").min(1, "must be >= 1").max(1_000_000, "must be <= 1000000");
export const nonNegativeInt = z.number().int("must be an integer").min(0, "must be >= 0").max(1_000_000, "must be <= 1000000");
export const percent = z.number().int("must be an integer").min(1, "must be >= 1").max(100, "must be <= 100");

/** Kubernetes CPU quantity: cores (`1`, `0.5`) or millicores (`250m`). */
export const cpuQuantity = z.string().regex(/^(\d+(\.\d+)?|\d+m)$/, "must be a CPU quantity such as 250m or 0.5");
/** Kubernetes memory quantity in bytes with an optional binary or decimal suffix. */
export const memoryQuantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/, "must be a memory quantity such as 256Mi or 1Gi");

const SUFFIX: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** Numeric value of a quantity accepted by cpuQuantity/memoryQuantity (cores or bytes). */
export function quantityValue(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|m|k|K|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  return Number(m[1]) * SUFFIX[m[2] ?? ""];
}
