/** Where the CLI writes; the process streams in production, buffers in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}
