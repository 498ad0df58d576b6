// One ajv configuration for the control protocol; validators compile once, at first use (at
// build time in the bundle: ../schema-compile.ts).
import type { ErrorObject } from 'ajv';
import { declareSchema, type AjvSetup } from '../schema-compile.ts';

export const PROTOCOL_AJV: AjvSetup = { name: 'protocol', options: { allErrors: true, strict: true }, keywords: [] };

export type Check<T> = ((value: unknown) => value is T) & { errors: () => string };

export function compileCheck<T>(schema: object): Check<T> {
  const validate = declareSchema<T>(PROTOCOL_AJV, schema);
  const check = ((value: unknown): value is T => validate()(value)) as Check<T>;
  check.errors = () => describeErrors(validate().errors ?? []);
  return check;
}

function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'body';
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      return `${where}: ${e.message ?? 'invalid'}${extra}`;
    })
    .join('; ');
}
