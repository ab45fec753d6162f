"""schemathesis's command line, with `ast.parse` taken by one thread at a time.

The contract runs schemathesis with two worker threads. Hypothesis describes a filter's lambda
by parsing the source file it comes from, and the first time it does so for schemathesis' own
4,000-line coverage module, both threads can be parsing it at once. CPython 3.11 keeps the AST
converter's recursion counter in state shared by the interpreter (fixed in later releases), so
two conversions at once can fail its consistency check: "SystemError: AST constructor recursion
depth mismatch", reported as a runtime error of whichever operation was being generated. One
parse at a time removes the race; parses are rare (each file once) and cached.
"""

import ast
import sys
import threading

_one_at_a_time = threading.Lock()
_parse = ast.parse


def _parse_alone(*args, **kwargs):
    with _one_at_a_time:
        return _parse(*args, **kwargs)


ast.parse = _parse_alone

from schemathesis.cli import schemathesis  # noqa: E402

if __name__ == "__main__":
    sys.exit(schemathesis())
