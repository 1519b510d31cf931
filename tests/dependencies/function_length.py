#!/usr/bin/env python3
"""Functions are at most 70 lines (TIGER_STYLE). Counts the body lines of every function defined at
namespace scope or in a class in the project's .cc and .h files (comments and string literals
blanked, braces matched; lambdas count toward the function they are in), and compares with function_length_offenders.txt: today's offenders, each with its length, that
may only shrink. Fails on a new offender or one that grew; says so when one shrank below the
limit or its listed length, so the list is tightened in the same change.

  tests/dependencies/function_length.py           # check (ctest function_length)
  tests/dependencies/function_length.py --write   # rewrite the list from the tree
"""
import os
import re
import sys

LIMIT_LINES = 70
ROOTS = ['engine', 'server', 'clients', 'bench']
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LIST = os.path.join(HERE, 'function_length_offenders.txt')
STRIP = re.compile(r'//[^\n]*|/\*.*?\*/|R"(\w*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|'
                   r"'(?:\\.|[^'\\\n])*'", re.S)
SCOPE = re.compile(r'\b(namespace|class|struct|union)\b[^()]*$|extern "C"\s*$')
NAME = re.compile(r'([A-Za-z_~][\w:~]*(?:<[^()]*>)?)\s*\($')


def blank(m):
    # Keeps the line count: a comment or literal becomes spaces, its newlines stay.
    return re.sub(r'[^\n]', ' ', m.group(0))


def functions(path):
    """(name, body lines, first line) of each function defined at namespace or class scope."""
    text = STRIP.sub(blank, open(path, encoding='utf-8').read())
    text = re.sub(r'^\s*#.*$', '', text, flags=re.M)  # preprocessor lines
    scopes = []      # for each open brace: True for a namespace or class (transparent)
    head_start = 0   # where the text before the next brace at this level began
    func = None      # (name, line of its opening brace, depth) of the function we are in
    for i, c in enumerate(text):
        if c in ';':
            if func is None and all(scopes):
                head_start = i + 1
        elif c == '{':
            if func is None and all(scopes):
                head = text[head_start:i]
                if SCOPE.search(head.strip()) or 'enum' in head.split():
                    scopes.append(True)
                    head_start = i + 1
                    continue
                paren = head.find('(')
                if paren > 0 and ')' in head and '=' not in head[:paren]:
                    m = NAME.search(head[:paren + 1].rstrip())
                    name = m.group(1) if m else '?'
                    func = (name, text.count('\n', 0, i), len(scopes))
            scopes.append(False)
        elif c == '}':
            if scopes:
                scopes.pop()
            if func is not None and len(scopes) == func[2]:
                end_line = text.count('\n', 0, i)
                yield func[0], end_line - func[1] - 1, func[1] + 1
                func = None
            if func is None and all(scopes):
                head_start = i + 1


def measure():
    found = {}
    for root in ROOTS:
        for d, _, files in os.walk(os.path.join(REPO, root)):
            for f in sorted(files):
                if not f.endswith(('.cc', '.h')):
                    continue
                p = os.path.join(d, f)
                rel = os.path.relpath(p, REPO)
                for name, length, line in functions(p):
                    if length > LIMIT_LINES:
                        key = f'{rel} {name}'
                        found[key] = max(found.get(key, 0), length)
    return found


def main():
    found = measure()
    if '--write' in sys.argv:
        with open(LIST, 'w') as out:
            out.write('# Functions longer than 70 lines today (file, function, lines): this list may\n'
                      '# only shrink. tests/dependencies/function_length.py --write rewrites it.\n')
            for key in sorted(found):
                out.write(f'{key} {found[key]}\n')
        print(f'{len(found)} offenders written')
        return 0
    listed = {}
    for line in open(LIST, encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        path, name, length = line.split()
        listed[f'{path} {name}'] = int(length)
    status = 0
    for key, length in sorted(found.items()):
        if key not in listed:
            print(f'new function over {LIMIT_LINES} lines: {key} ({length} lines): split it')
            status = 1
        elif length > listed[key]:
            print(f'grew: {key} from {listed[key]} to {length} lines: split it')
            status = 1
    for key, length in sorted(listed.items()):
        if key not in found:
            print(f'no longer over {LIMIT_LINES} lines: {key}: take it off the list')
            status = 1
        elif found[key] < length:
            print(f'shrank: {key} from {length} to {found[key]} lines: lower it in the list')
            status = 1
    if status == 0:
        print(f'{len(found)} functions over {LIMIT_LINES} lines, none new, none grown')
    return status


if __name__ == '__main__':
    sys.exit(main())
