import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Rete, Vue and elkjs make one large bundle; the editor is served locally, so size warnings are noise.
    chunkSizeWarningLimit: 3000,
  },
});
