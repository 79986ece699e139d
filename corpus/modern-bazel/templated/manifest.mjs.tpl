// Run by the node toolchain: not shell, whatever its words look like.
import { writeFileSync } from "node:fs";
const name = "{{name}}";
writeFileSync(process.argv[2], JSON.stringify({ name }));  // ok: ambient-tool
