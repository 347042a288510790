/**
 * The commands of `cli.ts pipeline`: their arguments, options and help.
 *
 * @module
 */
import type { CommandSpec, OptionSpec } from "./_args.ts";

const HELP: OptionSpec = { name: "help", short: "h", kind: "flag", description: "Show this help" };
const JSON_OUTPUT: OptionSpec = {
  name: "json",
  kind: "flag",
  description: "Print one JSON document on stdout, for scripts",
};
const PIPELINES_DIR: OptionSpec = {
  name: "pipelines-dir",
  kind: "value",
  valueName: "dir",
  description:
    "The folder of working dirs (default: $DLT_PIPELINES_DIR, pipelines_dir in .dlt/config.yaml, ~/.dlt/pipelines)",
};
const BUCKET_URL: OptionSpec = {
  name: "bucket-url",
  kind: "value",
  valueName: "url",
  description:
    "The destination, for a pipeline with no working dir here (default: $DESTINATION__FILESYSTEM__BUCKET_URL, .dlt/*.yaml)",
};
const DATASET_NAME: OptionSpec = {
  name: "dataset-name",
  kind: "value",
  valueName: "name",
  description: "The dataset, with --bucket-url (default: <pipeline>_dataset)",
};
const YES: OptionSpec = {
  name: "yes",
  short: "y",
  kind: "flag",
  description: "Do it without asking",
};
const WAIT: OptionSpec = {
  name: "wait",
  kind: "value",
  valueName: "seconds",
  description: "Wait up to this long for a running pipeline to release the lock (default: 0)",
};
/** `--source`, described for one command. */
function sourceOption(description: string): OptionSpec {
  return { name: "source", kind: "value", valueName: "name", description };
}

/** How every command names a resource. */
const RESOURCE_NAME = "<name>, or <source>.<name> when more than one source has it";

const READ_OPTIONS = [PIPELINES_DIR, BUCKET_URL, DATASET_NAME, JSON_OUTPUT, HELP];
const CHANGE_OPTIONS = [YES, WAIT, ...READ_OPTIONS];

/** Every command, in the order of the help. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "list",
    summary: "List the pipelines in the pipelines dir",
    description: "Lists the working dirs of the pipelines dir with their dataset, destination, " +
      "state version and pending packages. Written without a pipeline name: `pipeline list`.",
    positionals: [],
    options: [PIPELINES_DIR, JSON_OUTPUT, HELP],
    examples: ["list", "list --json"],
    changesState: false,
  },
  {
    name: "info",
    summary: "Show working dir, destination, dataset, last loads, pending packages, state version",
    description: "Shows where the pipeline lives and loads to (and which setting said so), its " +
      "local and committed state versions, its resources and cursors, its last loads and its " +
      "pending packages. The default command.",
    positionals: [],
    options: [
      {
        name: "loads",
        kind: "value",
        valueName: "n",
        description: "How many of the last loads to show (default: 5)",
      },
      ...READ_OPTIONS,
    ],
    examples: ["github_sync info", "github_sync info --json"],
    changesState: false,
  },
  {
    name: "state",
    summary: "Print the decoded state, or one source, resource or path of it",
    description: "Prints the pipeline's committed state (the local copy; --version reads a " +
      "committed version from the destination). Dates print as YAML timestamps, strings quoted. " +
      "Narrow it with --source, --resource or a state path.",
    positionals: [{
      name: "path",
      description:
        'A path in the state, dotted: sources.github.resources.issues or incremental["a.b"]',
    }],
    options: [
      sourceOption("Only this source's state; with --resource, look for the resource in it alone"),
      {
        name: "resource",
        kind: "value",
        valueName: "name",
        description: `Only this resource's state: ${RESOURCE_NAME}`,
      },
      {
        name: "version",
        kind: "value",
        valueName: "n",
        description: "A committed version from the destination instead of the local state",
      },
      ...READ_OPTIONS,
    ],
    examples: [
      "github_sync state",
      "github_sync state --resource issues",
      "github_sync state --json",
    ],
    changesState: false,
  },
  {
    name: "history",
    summary: "List every committed state version: load, time, rows, what changed",
    description: "Reads `_dlt_pipeline_state.jsonl` and lists every committed version of the " +
      "pipeline's state, oldest first, with the load that committed it, when, the rows that load " +
      "still holds per table, and the state paths that changed from the version before.",
    positionals: [],
    options: [
      {
        name: "limit",
        kind: "value",
        valueName: "n",
        description: "Only the newest n versions",
      },
      { name: "no-rows", kind: "flag", description: "Do not count the rows of each load" },
      ...READ_OPTIONS,
    ],
    examples: ["github_sync history", "github_sync history --limit 3 --json"],
    changesState: false,
  },
  {
    name: "diff",
    summary: "Show what changed in the state between two committed versions",
    description: "Compares two committed state versions path by path (added, removed, changed). " +
      "Without <v2>, compares with the newest committed version.",
    positionals: [
      { name: "v1", required: true, description: "The older version" },
      { name: "v2", description: "The newer version (default: the newest)" },
    ],
    options: READ_OPTIONS,
    examples: ["github_sync diff 3 5", "github_sync diff 3 --json"],
    changesState: false,
  },
  {
    name: "rollback",
    summary: "Commit the content of an older state version as a new version",
    description: "Commits the content of <version> as a new state version: the cursors go back, " +
      "and the next run extracts again from there. Nothing is edited in place. The loads that " +
      "came after <version> keep their rows unless --revert-loads is given (they are marked " +
      "reverted in _dlt_loads and disappear from readers); without either flag you are asked.",
    positionals: [{ name: "version", required: true, description: "The version to go back to" }],
    options: [
      {
        name: "revert-loads",
        kind: "flag",
        description: "Also withdraw the loads that came after <version>",
      },
      { name: "keep-loads", kind: "flag", description: "Keep the loads that came after it" },
      ...CHANGE_OPTIONS,
    ],
    examples: ["github_sync rollback 3", "github_sync rollback 3 --revert-loads --yes"],
    changesState: true,
  },
  {
    name: "reset",
    summary: "Delete one resource's state (its cursors start over), keep its data",
    description: "Deletes the state of <resource> (its incremental cursors included) and commits " +
      "that as a new state version; the next run starts it from its initial values. Its tables " +
      "are kept (use drop to reset them too).",
    positionals: [{
      name: "resource",
      required: true,
      description: `The resource: ${RESOURCE_NAME}`,
    }],
    options: [sourceOption("Look for the resource in this source alone"), ...CHANGE_OPTIONS],
    examples: ["github_sync reset issues", "github_sync reset github.issues --yes"],
    changesState: true,
  },
  {
    name: "set",
    summary: "Set one value of the state and commit it as a new version",
    description: "Sets the value at <path> to <json> and commits it as a new state version. The " +
      "path is relative to the state, or to --source / --resource. An ISO string replacing a " +
      "date stays a date. Version keys, pipeline_name and _local cannot be set.",
    positionals: [
      { name: "path", required: true, description: 'Dotted path; quote odd keys: a["x.y"]' },
      { name: "json", required: true, description: "The new value as JSON" },
    ],
    options: [
      sourceOption(
        "Make <path> relative to this source's state; with --resource, look in it alone",
      ),
      {
        name: "resource",
        kind: "value",
        valueName: "name",
        description: `Make <path> relative to this resource's state: ${RESOURCE_NAME}`,
      },
      ...CHANGE_OPTIONS,
    ],
    examples: [
      "github_sync set --resource issues incremental.updated_at.last_value '\"2024-05-01T00:00:00Z\"'",
      "github_sync set sources.github.last_full_sync null --yes",
    ],
    changesState: true,
  },
  {
    name: "drop",
    summary: "Drop resources: reset their tables and state (dlt's pipeline drop)",
    description: "Resets the tables of the selected resources (they read as empty) and deletes " +
      "their state, or only the state with --state-only; --state-paths deletes paths of the " +
      "source state. Resources are <name>, <source>.<name> or re:<regex>, all of one source. " +
      "Commits a new state version.",
    positionals: [{
      name: "resources",
      variadic: true,
      description: "Resources (<name> or <source>.<name>) or re:<regex>, all of one source",
    }],
    options: [
      { name: "state-only", kind: "flag", description: "Reset state only, keep the tables" },
      {
        name: "state-paths",
        kind: "list",
        valueName: "path",
        description: "Source state paths to delete (after the resources: --state-paths a b)",
      },
      { name: "drop-all", kind: "flag", description: "Select every resource (re:.*)" },
      sourceOption(
        "The source to drop from (default: the one the resources are in, else the default source)",
      ),
      ...CHANGE_OPTIONS,
    ],
    examples: [
      "github_sync drop issues",
      "github_sync drop 're:^issue' --state-only --yes",
      "github_sync drop --state-paths last_full_sync",
    ],
    changesState: true,
  },
  {
    name: "sync",
    summary: "Replace the local state with the destination's newest committed state",
    description: "Restores the working dir from the destination: the newest committed state " +
      "version replaces the local one. Pending packages, which the destination never received, " +
      "are discarded. With --bucket-url (and --dataset-name) it restores a pipeline that has no " +
      "working dir on this machine.",
    positionals: [],
    options: CHANGE_OPTIONS,
    examples: ["github_sync sync", "github_sync sync --bucket-url s3://bucket/data --yes"],
    changesState: true,
  },
  {
    name: "pending",
    summary: "List load packages extracted but not loaded yet",
    description: "Lists the packages a run committed but did not load (it died); the next run " +
      "loads them first.",
    positionals: [],
    options: READ_OPTIONS,
    examples: ["github_sync pending"],
    changesState: false,
  },
  {
    name: "drop-pending",
    summary: "Discard pending packages and go back to the destination's committed state",
    description: "Deletes the pending packages and restores the destination's committed state, " +
      "so that no cursor stays past data that was never loaded.",
    positionals: [],
    options: CHANGE_OPTIONS,
    examples: ["github_sync drop-pending --yes"],
    changesState: true,
  },
];

/** The spec of `name`, or `undefined`. */
export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
