import assert from "node:assert/strict";
import { type CliIo, ExitCode, runCli } from "../../cli.ts";
import { ConfigResolver } from "../../src/config/resolver.ts";

function memoryIo(stdin: string[] = []): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
    readLine: () => Promise.resolve(stdin.shift() ?? null),
    stderrIsTerminal: () => false,
  };
  return io;
}

Deno.test("runCli() masks secret values in errors and JSON output", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env: Record<string, string> = {
      DESTINATION__FILESYSTEM__BUCKET_URL: `${dir}/bucket-s3cr3t-value`,
    };
    const resolver = await ConfigResolver.open({ cwd: dir, env: (name) => env[name] });
    resolver.secret("destination.filesystem.bucket_url");
    const io = memoryIo();
    const code = await runCli(
      ["pipeline", "gh", "sync", "--pipelines-dir", `${dir}/pipelines`, "--yes", "--json"],
      { io, resolver },
    );
    assert.equal(code, ExitCode.NotFound);
    assert.ok(!io.err.includes("s3cr3t"), io.err);
    assert.ok(!io.out.includes("s3cr3t"), io.out);
    assert.equal(JSON.parse(io.out).error.name, "NotFoundError");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCli() lists no pipelines in an empty pipelines dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const io = memoryIo();
    const code = await runCli(["pipeline", "list", "--pipelines-dir", dir], {
      io,
      resolver: await ConfigResolver.open({ cwd: dir, env: () => undefined }),
    });
    assert.equal(code, ExitCode.Ok);
    assert.equal(io.out, `No pipelines in ${dir}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
