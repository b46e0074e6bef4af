"""Running the `wangge` command in process and reading what it printed."""

from wangge import cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop anything printed before
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
