#!/usr/bin/env node
"use strict";
// Thin launcher: the CLI lives in the compiled library (npm run build).
const path = require("path");
const fs = require("fs");
const main = path.join(__dirname, "..", process.env.NASLUNG_DIST || "dist", "src", "cli", "main.js");
if (!fs.existsSync(main)) {
  console.error("naslung: the library is not built; run `bash scripts/setup.sh` (or `npm run build`) first");
  process.exit(1);
}
require(main).main(process.argv).catch((e) => {
  console.error(`naslung: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
