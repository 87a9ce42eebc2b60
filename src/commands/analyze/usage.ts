export const ANALYZE_USAGE = `Usage: verigen analyze [options] PATH...

Analyses files, or directories recursively: node_modules, .git, hidden folders,
files of unknown type and what .gitignore files ignore (nested ones too) are
skipped. Results are printed in the order of the PATHs as soon as each is ready.

Options:
  --format table|json|csv|sarif
                           Output format (default: table). json: one document
                           {"files": [...], "summary": {...}}; csv: lizard's
                           columns and a cognitive column; sarif: SARIF 2.1.0
  --no-header              csv: no header line (as lizard without -V)
  --language <id>          Treat every file as this language
  --jobs <n>               Worker processes analysing files at once (default:
                           every core)
  --max-cyclomatic <n>     Exit 1 when a function's cyclomatic complexity is
                           above n; the report's issue for it is an error
  --max-cognitive <n>      The same for cognitive complexity
  --fail-on-syntax-error   Exit 1 when a file does not parse
  --exclude <glob>         Skip files and folders matching a .gitignore-style
                           pattern, relative to the PATH or the current folder
                           (repeatable)
  --changed-since <ref>    Only files changed since the git ref (commits since
                           it and uncommitted changes, new files included)
  --radon-compat 6.0|5.1   Python match semantics (default 6.0)
  --cyclomatic-variant classic|modified
                           ESLint complexity variant for JS/TS (default classic)
  -h, --help               Show this help

Functions past --max-cyclomatic or --max-cognitive are listed on stderr
(path:line, name, value > limit), and in the json and sarif output.

Several files are analysed in worker processes, each within
ANALYSIS_TIMEOUT_MS and ANALYSIS_WORKER_MEMORY; a single small file is
analysed in this process, without those limits. Every file is at most
ANALYSIS_MAX_FILE_BYTES (see README.md). When stderr is a terminal, a long run
shows its progress there.

Exit codes:
  0  every file was analysed, and passes the checks asked for
  1  a check failed: a file does not parse (--fail-on-syntax-error), or a function is past a limit
  2  usage error (option, format, language, configuration, git ref); nothing analysed
  3  a PATH does not exist (named on stderr), or a file could not be analysed
     (unreadable, too large, unknown type, past the time or memory limit; in
     the report); the other files are analysed and reported`
