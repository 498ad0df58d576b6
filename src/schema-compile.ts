// Validators for the JSON Schemas hotcycle declares itself (control messages, hotcycle.yaml), each
// compiled by ajv on first use. This is what runs from src/; the bundle has this module replaced
// by ajv's standalone code for every declared schema, generated at build time (scripts/build.ts),
// so that no command compiles them at start or loads ajv for them (issue 13).
import { Ajv, type Options, type ValidateFunction } from 'ajv';

/** One ajv configuration: its options and annotation keywords; `name` keys the precompiled set. */
export interface AjvSetup {
  readonly name: string;
  readonly options: Options;
  readonly keywords: readonly string[];
}

/** Every schema declared so far, in order, for the build to compile. */
export const DECLARED: { setup: AjvSetup; schema: object }[] = [];

const instances = new Map<string, Ajv>();

/** `schema`'s validator, compiled with `setup` on the first call. */
export function declareSchema<T>(setup: AjvSetup, schema: object): () => ValidateFunction<T> {
  DECLARED.push({ setup, schema });
  let validate: ValidateFunction<T> | undefined;
  return () => (validate ??= ajvFor(setup).compile<T>(schema));
}

function ajvFor(setup: AjvSetup): Ajv {
  let ajv = instances.get(setup.name);
  if (!ajv) {
    ajv = new Ajv(setup.options);
    for (const keyword of setup.keywords) ajv.addKeyword(keyword);
    instances.set(setup.name, ajv);
  }
  return ajv;
}
