// `npm run build` (after `next build`): bundles the REST API's direct path (lib/api-users/serve-node.ts)
// into .next/userdesk-api.cjs, which the production server (scripts/server.mjs) loads beside Next.js.
// Our code is compiled in; packages stay in node_modules and are shared with Next.js's server in the same
// process (one database pool). The bundle must not import Next.js, whose modules expect to run inside its
// request pipeline: the build fails, naming the import, if lib/ code on the API path ever does.
import { build } from 'esbuild';

// scripts/server.mjs loads it from here.
const API_BUNDLE = '.next/userdesk-api.cjs';

const guards = {
  name: 'userdesk-api-guards',
  setup(b) {
    // `server-only` refuses to load outside React's server build; this bundle is server code by definition.
    b.onResolve({ filter: /^server-only$/ }, () => ({ path: 'server-only', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '' }));
    b.onResolve({ filter: /^next(-auth)?(\/|$)/ }, (args) => ({
      errors: [{ text: `${args.importer} imports ${args.path}: code on the REST API's path must not import Next.js or next-auth.` }],
    }));
  },
};

await build({
  entryPoints: ['lib/api-users/serve-node.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: API_BUNDLE,
  packages: 'external',
  plugins: [guards],
  logLevel: 'warning',
});
console.log(`REST API bundled for the production server: ${API_BUNDLE}`);
