"""The instructor's command line: `autograder <command>`; each command maps flags to a call."""

import argparse

from . import release


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    release_cmd = commands.add_parser("release", help="build the students' notebooks/ from solutions/")
    release_cmd.add_argument("assignments", nargs="*", help="default: every assignment")
    release_cmd.set_defaults(run=lambda a: release.release(assignments=a.assignments or None))

    args = parser.parse_args(argv)
    return args.run(args) or 0
