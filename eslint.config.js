import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.dist-*/', 'build/', '.tools/', 'charts/', 'deploy/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Layers: the master and the sidecar are separate programs in separate containers; what they
  // share lives below them (protocol, config, configset, process, queue, …), never in each other.
  ...[['master', 'sidecar'], ['sidecar', 'master']].map(([layer, other]) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [`**/${other}/*`], message: `${layer} must not import ${other}: move what both need below them` }] }] },
  })),
  // Below the programs: checks/ (the gate, which the sidecar and `hotcycle check` run), and under
  // it what the checks read and report with (config, configset, process, protocol, diagnostics…).
  ...[
    { files: ['src/checks/**/*.ts'], above: [] },
    { files: ['src/{config,configset,process,protocol,worker}/**/*.ts', 'src/*.ts'], above: ['**/checks/*'] },
  ].map(({ files, above }) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/master/*', '**/sidecar/*', '**/cli/*', ...above], message: 'shared modules must not import the layers built on them' }] }] },
  })),
);
