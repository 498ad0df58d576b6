// One ajv instance for the control protocol; validators compile once, at first use.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: true });

export type Check<T> = ((value: unknown) => value is T) & { errors: () => string };

export function compileCheck<T>(schema: object): Check<T> {
  let validate: ValidateFunction<T> | undefined;
  const check = ((value: unknown): value is T => {
    validate ??= ajv.compile<T>(schema);
    return validate(value);
  }) as Check<T>;
  check.errors = () => describeErrors(validate?.errors ?? []);
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
