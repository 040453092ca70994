"""``python -m fabsim`` is the ``fabsim`` command."""

from fabsim.cli import main

main()
