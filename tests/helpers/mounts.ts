/**
 * Real file-system failures for tests: a read-only folder and a tiny tmpfs. As root, directory
 * permissions do not stop writes, so a read-only bind mount is used; tests that need a mount are
 * skipped where the machine does not allow mounting (the probe below says why).
 */

function run(cmd: string, args: string[]): { ok: boolean; err: string } {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).outputSync();
    return { ok: out.success, err: new TextDecoder().decode(out.stderr) };
  } catch (error) {
    return { ok: false, err: String(error) };
  }
}

const isRoot = Deno.uid() === 0;

/** Whether this machine lets the tests mount tmpfs and read-only binds. */
export const canMount: boolean = (() => {
  if (Deno.build.os !== "linux") return false;
  const dir = Deno.makeTempDirSync({ prefix: "dlt_mount_probe_" });
  try {
    const mounted = run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    if (mounted.ok) run("umount", [dir]);
    return mounted.ok;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
})();

/** Whether `makeReadOnly` works here (non-root: chmod; root: a read-only bind mount). */
export const canMakeReadOnly: boolean = !isRoot || canMount;

/** Makes `dir` read-only; returns a function that makes it writable again. */
export function makeReadOnly(dir: string): () => void {
  if (!isRoot) {
    Deno.chmodSync(dir, 0o555);
    return () => Deno.chmodSync(dir, 0o755);
  }
  const bind = run("mount", ["--bind", dir, dir]);
  if (!bind.ok) throw new Error(`mount --bind failed: ${bind.err}`);
  const ro = run("mount", ["-o", "remount,bind,ro", dir]);
  if (!ro.ok) {
    run("umount", [dir]);
    throw new Error(`remount ro failed: ${ro.err}`);
  }
  return () => {
    const un = run("umount", [dir]);
    if (!un.ok) throw new Error(`umount failed: ${un.err}`);
  };
}

/** Mounts a tmpfs of `sizeKb` at `dir`; returns the unmount function. */
export function mountTinyTmpfs(dir: string, sizeKb: number): () => void {
  Deno.mkdirSync(dir, { recursive: true });
  const mounted = run("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir]);
  if (!mounted.ok) throw new Error(`mount tmpfs failed: ${mounted.err}`);
  return () => {
    run("umount", ["-l", dir]);
  };
}
