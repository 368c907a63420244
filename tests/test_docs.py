"""The README and ``docs/`` say what the code does: every Python block runs, every command
parses (and those against the sandbox run), every relative link resolves, every name and path
they mention exists, and the README stays a short front page.

Two HTML comments, invisible on GitHub, steer the checks; each goes on the line right before a
fenced block:

- ``<!-- not-run: REASON -->`` before a ```python block: the block is not executed (it needs an
  API key, Spark, ...). Keep these few; the reason is required and shown in the test output.
- ``<!-- run: sample sandbox -->`` before a ```bash block: its ``eachlabs-analytics`` commands
  run, in order, in one temporary directory, against a sandbox serving the bundled sample.
  The test's own sandbox (on a free port) stands in for the block's ``sandbox`` and ``export``
  lines, which are only parsed. A command must exit 0; ``check`` exits with its verdict (0 OK,
  1 WARNING, 2 CRITICAL), never 3 UNKNOWN.

Every other ``eachlabs-analytics`` command in a shell block is parsed by the CLI's own parser:
the command exists, every option exists and every value converts to its type (choices,
ranges). Callbacks (a file that must exist, a loopback host) are not run: those commands name
files or hosts the reader has, not the test.

Python blocks of one page run in order in one namespace, in a temporary directory, with
``EACHLABS_BASE_URL`` and ``EACHLABS_API_KEY`` pointing at a sandbox of the bundled sample: what
a reader who followed the README's "command line against the sandbox" would have.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import matplotlib.pyplot as plt
import pytest
from click.testing import CliRunner

import eachlabs_analytics as ea
from eachlabs_analytics.cli import main

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md")), ROOT / "data" / "README.md"]
#: made on other branches (screenshots): a link to them may dangle until they are merged
SCREENSHOTS = {
    f"docs/images/{name}-{width}.png" for name in ("report", "dashboard") for width in (1400, 820)
}
MAX_README_LINES = 150


@dataclass
class Block:
    page: Path
    line: int  # of the block's first line of code, 1-based
    lang: str
    code: str
    marker: str  # the HTML comment on the line before the fence, or ""

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    lines = page.read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        previous = lines[i - 1].strip() if i else ""
        marker = previous if previous.startswith("<!--") else ""
        found.append(Block(page, i + 2, fence.group(1), "\n".join(lines[i + 1 : end]), marker))
        i = end + 1
    return found


def prose(page: Path) -> str:
    """The page without its fenced blocks (links in code are not links)."""
    return re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.fixture(scope="module")
def sample_api() -> Iterator[ea.Sandbox]:
    with ea.sandbox(data="sample") as api:
        yield api


# --- the README is a front page -------------------------------------------------------------


def test_the_readme_is_short_and_links_every_docs_page():
    text = README.read_text()
    assert len(text.splitlines()) <= MAX_README_LINES
    linked = {Path(target.split("#")[0]) for target in re.findall(r"\]\(([^)\s]+)\)", text)}
    pages = {page.relative_to(ROOT) for page in DOCS.glob("*.md")}
    assert pages and pages - linked == set()


def test_the_docs_map_links_every_page():
    text = (DOCS / "README.md").read_text()
    linked = {target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", text)}
    pages = {page.name for page in DOCS.glob("*.md")} - {"README.md"}
    assert pages - linked == set()


def test_the_readme_example_runs_and_shows_the_sample():
    (example,) = [b for b in blocks(README) if b.lang == "python"]  # the only one
    assert f"```python\n{example.code}" in README.read_text().split("<!-- section:example -->")[1]
    assert len(example.code.strip().splitlines()) <= 10
    namespace: dict = {}
    exec(compile(example.code, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert len(namespace["df"]) == 36_000  # every execution of the bundled sample
    plt.close("all")


def test_the_two_commands_are_the_ones_dev_and_ci_run():
    (two,) = [b for b in blocks(README) if "./dev demo" in b.code]
    commands = [line.split("#")[0].strip() for line in two.code.splitlines()]
    assert commands == ["./dev demo", "./dev test"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "./dev test" in ci  # CI runs the README's test command, as written


# --- links, names and paths -----------------------------------------------------------------


def github_anchor(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", prose(page), re.M)
    seen: dict[str, int] = {}
    result = set()
    for heading in headings:
        anchor = github_anchor(heading)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        result.add(anchor if count == 0 else f"{anchor}-{count}")
    return result


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_resolves(page):
    text = prose(page)
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'(?:src|href)="([^"]+)"', text)
    broken = []
    for target in targets:
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        path = (page.parent / path_part).resolve() if path_part else page
        relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        if not path.exists():
            if relative not in SCREENSHOTS:
                broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_name_and_repository_path_mentioned_exists(page):
    text = page.read_text()
    missing = [f"ea.{name}" for name in re.findall(r"\bea\.(\w+)", text) if not hasattr(ea, name)]
    for dotted in set(re.findall(r"\beachlabs_analytics(?:\.\w+)+", text)):
        if not _resolves(dotted):
            missing.append(dotted)
    folders = "benchmarks|data|docs|eachlabs_analytics|notebooks|tests|\\.ci"
    for path in re.findall(rf"(?<![\w/.-])((?:{folders})/[\w./-]*\w)", prose(page)):
        if not (ROOT / path).exists() and path not in SCREENSHOTS:
            missing.append(path)
    assert missing == []


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            obj = importlib.import_module(module)
            for name in parts[cut:]:
                if not hasattr(obj, name):
                    return False
                obj = getattr(obj, name)
            return True
    return False


# --- Python blocks run ----------------------------------------------------------------------

#: the README's one block is its 10-line example, run (and checked) above
PYTHON_PAGES = [p for p in PAGES if p != README and any(b.lang == "python" for b in blocks(p))]


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=page_id)
def test_every_python_block_runs(page, sample_api, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EACHLABS_BASE_URL", sample_api.base_url)
    monkeypatch.setenv("EACHLABS_API_KEY", sample_api.api_key)
    namespace: dict = {"__name__": "__docs__"}
    for block in blocks(page):
        if block.lang != "python":
            continue
        if block.marker.startswith("<!-- not-run:"):
            assert len(block.marker) > len("<!-- not-run:  -->"), f"{block}: give a reason"
            continue
        assert not block.marker, f"{block}: unknown marker {block.marker}"
        code = "\n" * (block.line - 1) + block.code  # tracebacks point at the page's lines
        exec(compile(code, str(page), "exec"), namespace)  # noqa: S102 - our own docs
        plt.close("all")


def test_few_blocks_are_not_run():
    skipped = [b for page in PAGES for b in blocks(page) if b.marker.startswith("<!-- not-run:")]
    assert len(skipped) <= 5, [str(b) for b in skipped]


# --- commands parse, and those against the sandbox run ----------------------------------------


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """(program, arguments) per command line; continuations joined, comments dropped."""
    found = []
    for line in block.code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):  # VAR=value command
            words = words[1:]
        if not words:
            continue
        if words[0] == "eachlabs-analytics":
            found.append(("eachlabs-analytics", words[1:]))
        elif words[:3] == ["python", "-m", "eachlabs_analytics"]:
            found.append(("eachlabs-analytics", words[3:]))
        else:
            found.append((words[0], words[1:]))
    return found


SHELL_BLOCKS = [b for page in PAGES for b in blocks(page) if b.lang in ("bash", "sh", "shell")]


def check_parses(arguments: list[str]) -> None:
    """What click checks before running a command, without running its callbacks."""
    if arguments in (["--help"], ["--version"]):
        return
    name, rest = arguments[0], arguments[1:]
    assert name in main.commands, f"no command {name!r}"
    command = main.commands[name]
    parent = click.Context(main, info_name="eachlabs-analytics")
    context = click.Context(command, info_name=name, parent=parent)
    values, extra, _ = command.make_parser(context).parse_args(args=list(rest))
    assert extra == [], f"{name}: unexpected arguments {extra}"
    for param in command.params:
        value = values.get(param.name)
        if not param.value_is_missing(value):
            param.type_cast_value(context, value)
        elif param.required:
            raise AssertionError(f"{name}: {param.human_readable_name} is required")


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=str)
def test_every_shell_command_is_known(block):
    dev_commands = re.findall(r"^  (\w+)\)$", (ROOT / "dev").read_text(), re.M)
    for program, arguments in commands(block):
        if program == "eachlabs-analytics":
            check_parses(arguments)
        elif program == "./dev":
            assert arguments[0] in dev_commands, arguments
        elif program == "python" and arguments[0] == "-m":
            assert importlib.util.find_spec(arguments[1]) is not None, arguments
        elif program == "python":
            assert (ROOT / arguments[0]).is_file(), arguments


RUN_BLOCKS = [b for b in SHELL_BLOCKS if b.marker == "<!-- run: sample sandbox -->"]


def test_the_readme_runs_commands_against_the_sandbox():
    assert any(b.page == README for b in RUN_BLOCKS)


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=str)
def test_commands_against_the_sandbox_run(block, sample_api, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"EACHLABS_BASE_URL": sample_api.base_url, "EACHLABS_API_KEY": sample_api.api_key}
    ran = 0
    for program, arguments in commands(block):
        if program == "export":
            continue  # the test's sandbox stands in for the one the block starts
        assert program == "eachlabs-analytics", f"{block}: only the CLI runs here ({program})"
        check_parses(arguments)
        if arguments[0] == "sandbox":
            continue
        result = CliRunner().invoke(main, arguments, env=env)
        allowed = {0, 1, 2} if arguments[0] == "check" else {0}
        assert result.exit_code in allowed, (arguments, result.output)
        ran += 1
    assert ran
