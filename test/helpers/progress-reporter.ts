// Moved to tools/ (the hub and `npm test` use it too); kept here so old imports keep working.
export * from "../../tools/progress-reporter.ts";
export { default } from "../../tools/progress-reporter.ts";
