"""`python main.py` opens the opsdesk window; `python main.py --demo` adds the simulator."""

import sys

from opsdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
