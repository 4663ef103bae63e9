// Tree-sitter queries live in .scm files; esbuild and vitest load them as text.
declare module '*.scm' {
  const text: string;
  export default text;
}
