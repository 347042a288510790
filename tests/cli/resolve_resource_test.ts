import assert from "node:assert/strict";
import { resolveResource, type ResourceCatalog } from "../../src/cli/_resources.ts";
import { NotFoundError, UsageError } from "../../src/cli/exit_codes.ts";

const catalog: ResourceCatalog = new Map([
  ["api", new Set(["events.v2", "users"])],
  ["events", new Set(["v2"])],
  ["crm", new Set(["users"])],
]);
const options = { command: "reset" };

Deno.test("resolveResource() splits a qualified name at its first dot, as source names have none", () => {
  assert.deepEqual(resolveResource(catalog, "api.events.v2", options), {
    sourceName: "api",
    resourceName: "events.v2",
  });
  assert.deepEqual(resolveResource(catalog, "crm.users", options), {
    sourceName: "crm",
    resourceName: "users",
  });
});

Deno.test("resolveResource() refuses a name that reads both as a bare and as a qualified name", () => {
  assert.throws(
    () => resolveResource(catalog, "events.v2", options),
    (error) =>
      error instanceof UsageError && error.command === "reset" &&
      error.message.includes("api.events.v2 or events.v2"),
  );
  assert.deepEqual(resolveResource(catalog, "events.v2", { ...options, sourceName: "api" }), {
    sourceName: "api",
    resourceName: "events.v2",
  });
});

Deno.test("resolveResource() looks in --source alone", () => {
  assert.deepEqual(resolveResource(catalog, "users", { ...options, sourceName: "crm" }), {
    sourceName: "crm",
    resourceName: "users",
  });
  assert.throws(
    () => resolveResource(catalog, "v2", { ...options, sourceName: "api" }),
    (error) =>
      error instanceof NotFoundError && /in source "api": "v2" has none/.test(error.message),
  );
});

Deno.test("resolveResource() says so when the pipeline has no resource yet", () => {
  assert.throws(
    () => resolveResource(new Map(), "users", options),
    (error) =>
      error instanceof NotFoundError &&
      error.message.endsWith("(no resource has state or tables yet)"),
  );
});
