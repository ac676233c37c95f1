import type { Validator } from 'typebox/compile';

/**
 * Why `value` fails a compiled TypeBox schema, in one sentence for a developer (the control
 * channel's EMU_ERR_BAD_REQUEST message), or null when it passes. `what` names the thing checked
 * ("placeCard", "reset"). Only the first problem is told: one fix at a time, like a compiler.
 */
export function schemaProblem(validator: Validator, value: unknown, what: string): string | null {
  if (validator.Check(value)) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${what}: the arguments are an object`;
  const errors = validator.Errors(value);
  const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
  if (!first) return `${what}: not valid`;
  const params = first.params as { additionalProperties?: string[]; requiredProperties?: string[] };
  const where = first.instancePath ? `"${first.instancePath.slice(1)}" ` : '';
  if (first.keyword === 'additionalProperties')
    return `unknown field(s) for ${what}${where ? ` at ${where.trim()}` : ''}: ${params.additionalProperties!.join(', ')}`;
  if (first.keyword === 'required') return `${what} needs ${params.requiredProperties!.map((k) => `"${k}"`).join(', ')}`;
  // A field that is one of a few literals: name them, not each failed const.
  const allowed = errors
    .filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
    .map((e) => (e.params as { allowedValue: unknown }).allowedValue);
  return `${what}: ${where}${allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : first.message}`;
}
