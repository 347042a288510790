import assert from "node:assert/strict";
import { applyLag, type Lag, resolveLag } from "../../src/incremental/_lag.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { hasTemporal } from "../helpers/temporal.ts";

const lag = (option: Parameters<typeof resolveLag>[0]): Lag => resolveLag(option, "incremental")!;

Deno.test("resolveLag() treats a zero lag as no lag", () => {
  assert.equal(resolveLag(0, "x"), undefined);
  assert.equal(resolveLag({ seconds: 0 }, "x"), undefined);
  assert.equal(resolveLag(undefined, "x"), undefined);
  assert.deepEqual(resolveLag({ minutes: 1, seconds: 0.5 }, "x"), {
    unit: "duration",
    amount: 0,
    ms: 60_500,
    sub: 0,
    text: '{"minutes":1,"seconds":0.5}',
  });
});

Deno.test("applyLag() moves numbers back for max and forward for min, truncating integers", () => {
  assert.equal(applyLag(10, lag(3), 1, "x"), 7);
  assert.equal(applyLag(10, lag(3), -1, "x"), 13);
  assert.equal(applyLag(10, lag(1.5), 1, "x"), 8);
  assert.equal(applyLag(10.5, lag(1.25), 1, "x"), 9.25);
  assert.equal(applyLag(10n, lag(3), 1, "x"), 7n);
});

Deno.test("applyLag() keeps the layout of ISO strings", () => {
  assert.equal(
    applyLag("2023-03-03T01:15:30Z", lag({ seconds: 1 }), 1, "x"),
    "2023-03-03T01:15:29Z",
  );
  assert.equal(
    applyLag("2023-03-03T01:15:30Z", lag({ seconds: 1 }), -1, "x"),
    "2023-03-03T01:15:31Z",
  );
  assert.equal(
    applyLag("2024-01-01T00:30:00.000001-05:00", lag({ hours: 1 }), 1, "x"),
    "2023-12-31T23:30:00.000001-05:00",
  );
  assert.equal(applyLag("2024-03-01T00:00", lag({ minutes: 1 }), 1, "x"), "2024-02-29T23:59");
  assert.equal(applyLag("2024-03-01", lag({ days: 1 }), 1, "x"), "2024-02-29");
  assert.equal(applyLag("20240301", lag({ days: 1 }), 1, "x"), "20240229");
});

Deno.test("applyLag() keeps Dates in their type", () => {
  assert.deepEqual(
    applyLag(new Date("2024-01-01T00:00:00Z"), lag({ days: 1 }), 1, "x"),
    new Date("2023-12-31T00:00:00Z"),
  );
});

Deno.test({ name: "applyLag() keeps Temporal values in their type", ignore: !hasTemporal }, () => {
  assert.equal(
    String(
      applyLag(Temporal.Instant.from("2024-01-01T00:00:00Z"), lag({ seconds: 0.000001 }), 1, "x"),
    ),
    "2023-12-31T23:59:59.999999Z",
  );
  assert.equal(
    String(applyLag(Temporal.PlainDateTime.from("2024-01-01T00:00"), lag({ hours: 1 }), 1, "x")),
    "2023-12-31T23:00:00",
  );
  assert.equal(
    String(applyLag(Temporal.PlainDate.from("2024-01-01"), lag({ days: 2 }), -1, "x")),
    "2024-01-03",
  );
  const zoned = applyLag(
    Temporal.ZonedDateTime.from("2024-03-31T03:30+02:00[Europe/Berlin]"),
    lag({ hours: 2 }),
    1,
    "x",
  );
  assert.equal(String(zoned), "2024-03-31T00:30:00+01:00[Europe/Berlin]");
});

Deno.test("applyLag() refuses a lag that does not fit the cursor", () => {
  assert.throws(() => applyLag("2024-01-01T00:00:00Z", lag(60), 1, "x"), ConfigurationError);
  assert.throws(() => applyLag(new Date(0), lag(60), 1, "x"), ConfigurationError);
  assert.throws(() => applyLag(5, lag({ seconds: 5 }), 1, "x"), ConfigurationError);
  assert.throws(() => applyLag("2024-01-01", lag({ hours: 5 }), 1, "x"), /whole days/);
  assert.throws(() => applyLag("abc", lag(1), 1, "x"), /cannot be lagged/);
  assert.throws(() => applyLag(true, lag(1), 1, "x"), /cannot be lagged/);
});
