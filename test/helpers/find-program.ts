// Moved to tools/ (scripts use it too); kept here so imports from test/helpers keep working.
export * from "../../tools/find-program.ts";
