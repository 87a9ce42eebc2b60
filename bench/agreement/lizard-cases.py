"""Extracts lizard's own test cases into test/fixtures/lizard-cases/<language>.json.

Re-run (from the repository root, with lizard 1.24.0 checked out at /tmp/lizard):

    /usr/bin/python3 bench/agreement/lizard-cases.py [LIZARD_DIR] [OUT_DIR]

It runs lizard's test suite (LIZARD_DIR/test) under pytest with a recording plugin: every call of
lizard's FileAnalyzer.analyze_source_code made by a test is recorded together with the test's id,
the code and the functions lizard found. A case is kept when
  - the file name's extension is one of the languages below,
  - only lizard's default extensions were active (no -E plug-in such as NS or ND),
  - the test passed, and its source mentions `cyclomatic_complexity` (it asserts the figure).
Needs Debian's python3 with pytest (python3-pytest) and pygments; nothing is written into LIZARD_DIR.
"""

import inspect
import json
import os
import sys

sys.dont_write_bytecode = True

LIZARD_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lizard")
OUT_DIR = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "test/fixtures/lizard-cases")
LANGUAGES = {
    ".java": "java",
    ".go": "go",
    ".rs": "rust",
    ".c": "c",
    ".h": "cpp",
    ".cpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".kt": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
}

sys.path.insert(0, LIZARD_DIR)
import pytest  # noqa: E402
import lizard  # noqa: E402

DEFAULT_PROCESSORS = len(lizard.get_extensions([]))


class Recorder:
    def __init__(self):
        self.item = None
        self.calls = {}
        self.passed = set()

    def install(self):
        original = lizard.FileAnalyzer.analyze_source_code
        recorder = self

        def analyze_source_code(analyzer, filename, code):
            info = original(analyzer, filename, code)
            item = recorder.item
            language = LANGUAGES.get(os.path.splitext(filename)[1])
            if item is None or language is None:
                return info
            if len(analyzer.processors) != DEFAULT_PROCESSORS:
                return info
            try:
                source = inspect.getsource(item.function)
            except (OSError, TypeError):
                return info
            if "cyclomatic_complexity" not in source:
                return info
            functions = [
                {
                    "name": f.name,
                    "long_name": f.long_name,
                    "start_line": f.start_line,
                    "cyclomatic_complexity": f.cyclomatic_complexity,
                    "parameters": f.parameter_count,
                }
                for f in info.function_list
            ]
            recorder.calls.setdefault(item.nodeid, []).append(
                {"language": language, "code": code, "functions": functions}
            )
            return info

        lizard.FileAnalyzer.analyze_source_code = analyze_source_code

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        self.item = item
        yield
        self.item = None

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.passed:
            self.passed.add(report.nodeid)


def test_id(nodeid):
    """`test/test_languages/testKotlin.py::TestKotlin::test_if` -> `test_languages/testKotlin.py::TestKotlin.test_if`."""
    path, _, rest = nodeid.partition("::")
    path = os.path.relpath(os.path.join(LIZARD_DIR, path), os.path.join(LIZARD_DIR, "test"))
    return path + "::" + rest.replace("::", ".")


def main():
    recorder = Recorder()
    recorder.install()
    os.chdir(LIZARD_DIR)
    pytest.main(["-q", "-p", "no:cacheprovider", "test"], plugins=[recorder])
    cases = {language: [] for language in sorted(set(LANGUAGES.values()))}
    for nodeid in sorted(recorder.calls):
        if nodeid not in recorder.passed:
            continue
        calls = recorder.calls[nodeid]
        for index, call in enumerate(calls):
            name = test_id(nodeid) + ("" if len(calls) == 1 else "#%d" % (index + 1))
            cases[call["language"]].append(
                {"test": name, "code": call["code"], "functions": call["functions"]}
            )
    os.makedirs(OUT_DIR, exist_ok=True)
    for language, entries in cases.items():
        with open(os.path.join(OUT_DIR, language + ".json"), "w", encoding="utf-8") as out:
            json.dump(entries, out, indent=2, ensure_ascii=False)
            out.write("\n")
        print("%-8s %4d cases, %4d functions" % (language, len(entries), sum(len(c["functions"]) for c in entries)))


if __name__ == "__main__":
    main()
