"""Bitwuzla (from PyPI) as the command-line solver halmos calls: `bitwuzla_smt2.py QUERY.smt2`.

PyPI ships Bitwuzla as Python bindings only, and halmos cannot download its binary without internet; this
reads the SMT-LIB 2 query halmos writes and prints the answers (sat/unsat, the model) as the binary would.
Bitwuzla's abstraction of multiplication and division is what proves the share's residue bound, which z3
does not finish.
"""

import sys

import bitwuzla


def main(query: str) -> None:
    options = bitwuzla.Options()
    options.set(bitwuzla.Option.PRODUCE_MODELS, True)
    options.set(bitwuzla.Option.ABSTRACTION, True)
    parser = bitwuzla.Parser(bitwuzla.TermManager(), options)
    parser.configure_auto_print_model(True)
    parser.parse(query)


if __name__ == "__main__":
    main(sys.argv[1])
