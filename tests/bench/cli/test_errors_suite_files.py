"""Bad suite files: encodings, numbers that are not numbers, names nnbench cannot show, a
custom recipe that would replace a built-in one, skip patterns that can never match."""

from pathlib import Path

import pytest

from tests.bench.cli.cases import Case, check, run_case
from tests.cli import run_records


def suite(text: str | bytes, name: str = "s.toml"):
    def write(tmp: Path) -> None:
        path = tmp / name
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return write


def run_suite(setup, says: str, exit: int = 2, case_id: str = "") -> Case:
    return Case(case_id, ("run", "--suite", "{tmp}/s.toml", "--out", "{tmp}/o"), exit, says,
                setup)


TINY = 'tasks = ["xor"]\nbackends = ["numpy"]\nrecipes = ["modern"]\nseeds = 1\nepochs = 3\n'
MINE = '[recipe.{name}]\nhidden = [3]\noptimizer = "adam"\nlr = 0.05\nbatch_size = "full"\n'

CASES = [
    run_suite(suite(b'tasks = ["x\xe9r"]\n'), "suite {tmp}/s.toml is not UTF-8 text (byte 11: "
              "invalid continuation byte); save it as UTF-8", case_id="not-utf8"),
    Case("suite-is-a-directory", ("run", "--suite", "{tmp}", "--out", "{tmp}/o"), 2,
         "is a directory; give a suite TOML file or a built-in suite (quick, full, gate, scale)"),
    run_suite(suite(TINY + "timeout = nan\n"), "timeout = nan is not allowed; give a finite "
              "number of seconds > 0", case_id="timeout-nan"),
    run_suite(suite(TINY.replace("seeds = 1", "seeds = 1e9")), "seeds=1000000000.0 is not "
              "allowed; it must be an integer from 1 to 100,000", case_id="seeds-float"),
    run_suite(suite(TINY + '[budgets]\n"xor/*/numpy" = inf\n'), "budgets: 'xor/*/numpy' = inf "
              "is not allowed; give a finite number of seconds", case_id="budget-inf"),
    run_suite(suite(TINY.replace('"modern"', '""') + MINE.format(name='""')), "recipe name '' "
              "is not allowed; use 1 to 48 letters, digits, '.', '_' or '-'",
              case_id="recipe-name-empty"),
    run_suite(suite(TINY.replace('"modern"', '"a\\nb"') + MINE.format(name='"a\\nb"')),
              "recipe name 'a\\nb' is not allowed", case_id="recipe-name-newline"),
    run_suite(suite(TINY.replace('"modern"', '"[bold]x[/bold]"')
                    + MINE.format(name='"[bold]x[/bold]"')),
              "recipe name '[bold]x[/bold]' is not allowed", case_id="recipe-name-markup"),
    run_suite(suite(TINY + MINE.format(name="modern")), "[recipe.modern]: 'modern' is a "
              "built-in recipe of task xor; a custom recipe must not replace it: name yours "
              "differently, e.g. [recipe.modern-mine]", case_id="recipe-shadows-built-in"),
    run_suite(suite(TINY + 'skip = ["xor"]\n'), "skip: 'xor' can never match a run; give a "
              "task/recipe or task/recipe/backend pattern", case_id="skip-one-part"),
    run_suite(suite(TINY + 'skip = ["xor/*/*/*"]\n'), "skip: 'xor/*/*/*' can never match a run",
              case_id="skip-four-parts"),
    run_suite(suite(TINY + '[budgets]\n"mnist/pybrain" = 3\n'), "budgets: 'mnist/pybrain' can "
              "never match a run; give a task/recipe/backend pattern", case_id="budget-pattern"),
    run_suite(suite("tasks = [\"xor\"\nseeds = 2"), "invalid TOML", case_id="toml-syntax"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_suite_file_exits_2_with_what_is_allowed(case, tmp_path):
    check(case, run_case(case, tmp_path), tmp_path)
    assert not (tmp_path / "o").exists()


def test_a_skip_pattern_matching_nothing_known_is_said_and_the_suite_runs(tmp_path):
    case = run_suite(suite(TINY + 'skip = ["xro/course"]\n'), "note: skip pattern 'xro/course' "
                     "matches no task/recipe/backend nnbench knows; it has no effect (a typo?)",
                     exit=0, case_id="skip-typo")
    check(case, run_case(case, tmp_path), tmp_path)
    assert list(run_records(tmp_path / "o")) == ["xor/modern/numpy/0"]


def test_a_custom_recipe_name_is_shown_literally_in_every_output(tmp_path):
    name = "my_recipe.v2-[x]"[:-4]   # letters, digits, '.', '_' and '-' are allowed
    case = run_suite(suite(TINY.replace('"modern"', f'"{name}"') + MINE.format(name=f'"{name}"')),
                     name, exit=0, case_id="literal-name")
    check(case, run_case(case, tmp_path), tmp_path)
    md = (tmp_path / "o" / "report.md").read_text()
    assert r"## xor / my\_recipe.v2" in md and "| my\\_recipe.v2 |" in md
