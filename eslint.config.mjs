// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Corpus programs are written by others and kept as published (see docs/corpus.md).
  {
    ignores: [
      "**/node_modules/**",
      "policy-pack/bin/**",
      "dist/**",
      "**/*.js",
      "**/*.mjs",
      "tests/corpus/*/program/**",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
    },
  },
);
