/**
 * Dashboard build: `npm run build` (vite build --config frontend/vite.config.ts)
 * writes frontend/dist, which the local gateway serves at / and the CDK stack
 * uploads to the SPA bucket behind CloudFront.
 *
 * Vite 8 transforms TS/TSX itself (oxc); no React plugin is needed for a
 * production build (no Fast Refresh in dev, which this project does not use).
 * Output respects the production CSP: no inline scripts, no eval, no external
 * hosts — one module entry, hashed chunks, one CSS file.
 *
 * Typing note: the root tsconfig resolves modules the node10 way (no package
 * `exports`), so `vite` and `@tailwindcss/vite` cannot be imported by name
 * for types. Types come from their files by path (`import type`, erased), and
 * the plugin is loaded at run time with a dynamic import.
 */
import { resolve } from 'node:path';
import type { UserConfig } from '../node_modules/vite/dist/node/index';
import type tailwindcssPlugin from '../node_modules/@tailwindcss/vite/dist/index.mjs';

const root = resolve(__dirname);
const TAILWIND = '@tailwindcss/vite';

export default async function config(): Promise<UserConfig> {
  const tailwindcss = ((await import(TAILWIND)) as { default: typeof tailwindcssPlugin }).default;
  return {
    root,
    base: '/',
    publicDir: resolve(root, 'public'),
    plugins: [tailwindcss()],
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: resolve(root, 'dist'),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      // The polyfill would be extra code for browsers we do not target.
      modulePreload: { polyfill: false },
      reportCompressedSize: true,
      chunkSizeWarningLimit: 400,
      rolldownOptions: {
        // React libraries mark modules "use client" for RSC bundlers; meaningless in an SPA bundle.
        onwarn(warning, warn) {
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
          warn(warning);
        },
      },
    },
    server: {
      // `npx vite --config frontend/vite.config.ts` for UI work against `npm run dev` on 8787.
      proxy: { '/api': 'http://127.0.0.1:8787' },
    },
  };
}
