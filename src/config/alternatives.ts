// `anyOf` / `oneOf` failures, said once. ajv reports the alternation and then why each branch
// failed; when branches fail on the value itself (wrong type, not in the enum), one message
// "expected A or B, got X" says it all and the per-branch errors are dropped. Branch errors
// about deeper fields (a missing property inside one alternative) are kept.
import type { ErrorObject } from 'ajv';
import { asSchema, describeExpected } from './describe.ts';

export const VALUE_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
]);

export interface Alternation {
  error: ErrorObject;
  /** What would have been accepted, one phrase per branch. */
  expected: string[];
}

/** Splits `errors` into the errors to explain one by one and the alternations to explain as a whole. */
export function groupAlternatives(errors: readonly ErrorObject[]): { single: ErrorObject[]; alternations: Alternation[] } {
  const owners = errors.filter(isAlternation);
  const absorbed = new Set<ErrorObject>();
  const alternations = owners.map((owner) => {
    const branches = Array.isArray(owner.schema) ? owner.schema : [];
    const expected = branches.map((branch: unknown, i) => {
      const inBranch = errors.filter((e) => isValueErrorOf(e, owner, i));
      inBranch.forEach((e) => absorbed.add(e));
      return inBranch[0] ? describeExpected(inBranch[0].parentSchema) : describeExpected(branch);
    });
    return { error: owner, expected: [...new Set(expected)] };
  });
  const single = errors.filter((e) => !absorbed.has(e) && !owners.includes(e));
  return { single, alternations };
}

function isAlternation(error: ErrorObject): boolean {
  // A `oneOf` that failed because several branches matched is not a list of alternatives.
  return error.keyword === 'anyOf' || (error.keyword === 'oneOf' && asSchema(error.params)?.passingSchemas == null);
}

function isValueErrorOf(error: ErrorObject, owner: ErrorObject, branch: number): boolean {
  return VALUE_KEYWORDS.has(error.keyword)
    && error.instancePath === owner.instancePath
    && error.schemaPath.startsWith(`${owner.schemaPath}/${branch}/`);
}
