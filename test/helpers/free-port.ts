// Moved to tools/ (scripts use it too); kept here so imports from test/helpers keep working.
export * from "../../tools/free-port.ts";
