// Offline validation of Kubernetes objects against the API of the chart's minimum version,
// 1.30. kubernetes-types@1.30.0 is generated from Kubernetes 1.30's OpenAPI spec (every field,
// its type, required fields, apiVersion/kind literals); the TypeScript compiler checks each
// object as a typed literal, so an unknown or misspelt field, a missing required one or a wrong
// type is an error with the object's path. (kubernetes-models' validators accept unknown fields,
// so they would not do.) ServiceMonitor, PodMonitor and PrometheusRule are not Kubernetes types:
// they are checked with the prometheus-operator CRD schemas from @kubernetes-models/prometheus-operator
// (and by the real kube-apiserver with the operator's CRDs in test/cluster/chart-monitoring.test.ts).
import { join } from 'node:path';
import ts from 'typescript';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ROOT, type K8sObject } from './k8s-tools.ts';

export const KUBERNETES_TYPES_VERSION = '1.30.0';

export interface Finding { object: string; message: string }

// kubernetes-types' generator drops the fields Go embeds inline: NamedRuleWithOperations (a
// ValidatingAdmissionPolicy's resourceRules) lacks the `resources` and `scope` of its embedded
// Rule, which the API has. Added back here, exactly those; the real kube-apiserver in
// test/cluster/chart-install.test.ts checks the policy for real.
const GENERATOR_GAPS = [
  "declare module 'kubernetes-types/admissionregistration/v1' {",
  '  interface NamedRuleWithOperations { resources?: Array<string>; scope?: string }',
  '}',
];

/** kubernetes-types module for an apiVersion: 'v1' → core/v1, 'rbac.authorization.k8s.io/v1' → rbac/v1. */
function typesModule(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  return `kubernetes-types/${group!.split('.')[0]}/${version}`;
}

function label(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? '?'}`;
}

/** Every finding for every object; an empty list means all of them are valid. */
export function validateObjects(objects: K8sObject[]): Finding[] {
  const builtIn = objects.filter((o) => o.apiVersion !== 'monitoring.coreos.com/v1');
  return [...checkTypes(builtIn), ...objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1').flatMap(checkMonitoring)];
}

const MONITORING_MODELS: Record<string, new (data: never) => { validate(): void }> = { ServiceMonitor, PodMonitor, PrometheusRule };

function checkMonitoring(o: K8sObject): Finding[] {
  const Model = MONITORING_MODELS[o.kind];
  if (!Model) return [{ object: label(o), message: 'no schema for this kind' }];
  try {
    new Model(o as never).validate();
    return [];
  } catch (error) {
    return [{ object: label(o), message: error instanceof Error ? error.message : String(error) }];
  }
}

function checkTypes(objects: K8sObject[]): Finding[] {
  if (objects.length === 0) return [];
  const file = join(ROOT, 'test', 'charts', '__rendered_objects__.ts');
  const lines: string[] = [];
  const owners: Array<{ from: number; object: string }> = [];
  const modules = [...new Set(objects.map((o) => typesModule(o.apiVersion)))];
  modules.forEach((m, i) => lines.push(`import type * as m${i} from '${m}';`));
  lines.push(...GENERATOR_GAPS);
  objects.forEach((o, i) => {
    const m = modules.indexOf(typesModule(o.apiVersion));
    const text = `export const o${i}: m${m}.${o.kind} = ${JSON.stringify(o, null, 1)};`;
    owners.push({ from: lines.length, object: label(o) });
    lines.push(...text.split('\n'));
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const owner = [...owners].reverse().find((o) => line >= o.from);
    const text = source.split('\n')[line]?.trim() ?? '';
    return { object: owner?.object ?? '(imports)', message: `${ts.flattenDiagnosticMessageText(d.messageText, '\n')} [at: ${text}]` };
  });
}
