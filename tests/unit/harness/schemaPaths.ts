// Every documented key path of a zod object schema (`app.image.repository`), descending through
// defaults, optionals and refinements but not into records or arrays (their items are
// documented as one entry).
import { ZodArray, ZodDefault, ZodEffects, ZodObject, ZodOptional, ZodRecord, type ZodTypeAny } from "zod";

function unwrap(t: ZodTypeAny): ZodTypeAny {
  for (;;) {
    if (t instanceof ZodDefault || t instanceof ZodOptional) t = t._def.innerType;
    else if (t instanceof ZodEffects) t = t._def.schema;
    else return t;
  }
}

export function schemaKeyPaths(schema: ZodTypeAny, prefix = ""): string[] {
  const t = unwrap(schema);
  if (!(t instanceof ZodObject)) return [];
  return Object.entries(t.shape as Record<string, ZodTypeAny>).flatMap(([k, child]) => {
    const here = prefix ? `${prefix}.${k}` : k;
    const inner = unwrap(child);
    const leaf = !(inner instanceof ZodObject) || inner instanceof ZodRecord || inner instanceof ZodArray;
    return leaf ? [here] : [here, ...schemaKeyPaths(inner, here)];
  });
}
