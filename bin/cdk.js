#!/usr/bin/env node
// What `npx cdk ...` runs in this project: package.json names this file as the project's own
// "cdk" bin, and npx prefers that to node_modules/.bin/cdk and to downloading a package (npm's
// libnpmexec: a bin of the local package is linked into the npx cache, offline, and run first).
// - Before set-up it says what to run, instead of npx offering to install an unpinned CLI
//   (package "cdk", whatever its latest release is) that then fails on a missing .venv.
// - After set-up it runs the pinned CLI from node_modules/, without the AWS SDK's Node 20
//   warning (jsii's Node 20 banner comes from the app's Python process: see course/node.py).
// npm 9.1+ (npm/cli#5842); Node 20 ships npm 10. Keep the name and path: npx caches the link by
// the project's path and never refreshes it, so a renamed bin is "not found" (npm/cli#9766).
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const cli = path.join(root, "node_modules", "aws-cdk", "bin", "cdk");
const python = path.join(root, ".venv", "bin", "python");
const missing = [
  fs.existsSync(cli) ? null : "node_modules/ (the pinned CDK CLI)",
  fs.existsSync(python) ? null : ".venv/ (the Python packages the app needs)",
].filter(Boolean);
if (missing.length > 0) {
  console.error(
    `error: the project is not set up: no ${missing.join(" and no ")}. ` +
      "Run `make synth` first (once, about 2 minutes), then this command again.",
  );
  process.exit(1);
}
// The SDK's releases from 2027 need Node 22; the README recommends 22 or 24 and supports 20, so
// this warning on every run says nothing new and hides what the command printed.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require(cli);
