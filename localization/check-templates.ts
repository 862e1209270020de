// `npm run templates:check [dir]`: lints the template tree; exits non-zero with the list of problems.
import { resolve } from 'node:path';
import { defaultTemplatesDir } from './catalog';
import { lintTemplates } from './lint';

const dir = resolve(process.argv[2] ?? defaultTemplatesDir());
const report = lintTemplates(dir);
for (const warning of report.warnings) console.warn(`warning: ${warning}`);
if (report.errors.length > 0) {
  console.error(`templates:check found ${report.errors.length} problem(s) in ${dir}:`);
  for (const error of report.errors) console.error(`  - ${error}`);
  process.exitCode = 1;
} else {
  console.log(`templates:check: ${report.templates} templates, ${report.files} locale files OK (${dir})`);
}
